// ResumeBook over an in-memory store and a scripted swarm: data is given back only while the
// file is as it was when saved, only changed torrents are saved, shutdown saves all paused.
#include "engine/resume_book.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "tests/support/engine_fakes.h"
#include "tests/support/fixtures.h"

namespace shoal::engine {
namespace {

using testing::FakeJobStore;
using testing::FakeSwarm;

TorrentEvent Data(int key, std::string data) {
  TorrentEvent ev{TorrentEvent::Kind::kResumeData};
  ev.key = key;
  ev.data = std::move(data);
  return ev;
}

// The torrent's check finished (ResumeBook saves nothing before).
TorrentEvent CheckedEvent(int key) {
  TorrentEvent ev{TorrentEvent::Kind::kChecked};
  ev.key = key;
  return ev;
}

TEST(ResumeBook, GivesDataBackOnlyWhileTheFileIsUnchanged) {
  testing::TempDir dir;
  const std::string path = dir / "f";
  testing::WriteFile(path, "content");
  FakeJobStore store;
  FakeSwarm swarm;
  ResumeBook book(&store, swarm);
  book.Keep(1, path);
  book.OnChecked(CheckedEvent(1));
  book.Save(/*quiescent=*/false);
  ASSERT_EQ(swarm.resume_asked, std::vector<int>{1});
  book.OnData(Data(1, "d1:ae"));
  EXPECT_EQ(book.For(path), "d1:ae");
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // a later mtime
  testing::WriteFile(path, "changed");
  EXPECT_EQ(book.For(path), "");  // hashed instead
}

TEST(ResumeBook, SavesOnlyChangedTorrentsAndOneRequestAtATime) {
  testing::TempDir dir;
  testing::WriteFile(dir / "a", "a");
  testing::WriteFile(dir / "b", "b");
  FakeJobStore store;
  FakeSwarm swarm;
  ResumeBook book(&store, swarm);
  book.Keep(1, dir / "a");
  book.OnChecked(CheckedEvent(1));
  book.Keep(2, dir / "b");
  book.OnChecked(CheckedEvent(2));
  book.Save(false);
  EXPECT_EQ(swarm.resume_asked.size(), 2u);  // new torrents start dirty
  book.Changed(1);
  book.Save(false);
  EXPECT_EQ(swarm.resume_asked.size(), 2u);  // torrent 1's request is still pending
  book.OnData(Data(1, "x"));
  book.Save(false);
  ASSERT_EQ(swarm.resume_asked.size(), 3u);
  EXPECT_EQ(swarm.resume_asked.back(), 1);  // only the changed one, asked again
  EXPECT_EQ(std::count(swarm.resume_asked.begin(), swarm.resume_asked.end(), 2), 1);
  EXPECT_FALSE(swarm.torrents[1].paused);
}

// A torrent still checking its file has verified only some of its pieces: its data is not
// asked for, so what the store holds (or a hash at the next start) stands.
TEST(ResumeBook, AsksNothingOfATorrentStillChecking) {
  testing::TempDir dir;
  testing::WriteFile(dir / "a", "a");
  FakeJobStore store;
  FakeSwarm swarm;
  ResumeBook book(&store, swarm);
  book.Keep(1, dir / "a");
  book.Save(false);
  book.Save(/*quiescent=*/true);
  EXPECT_TRUE(swarm.resume_asked.empty());
  book.OnChecked(CheckedEvent(1));
  book.Save(false);
  EXPECT_EQ(swarm.resume_asked, std::vector<int>{1});
}

TEST(ResumeBook, ShutdownPausesAndSavesEveryTorrent) {
  testing::TempDir dir;
  testing::WriteFile(dir / "a", "a");
  FakeJobStore store;
  FakeSwarm swarm;
  ResumeBook book(&store, swarm);
  book.Keep(1, dir / "a");
  book.OnChecked(CheckedEvent(1));
  book.Save(false);
  book.OnData(Data(1, "first"));
  swarm.events.push_back(Data(1, "last"));  // answered while shutting down
  book.SaveForShutdown();
  EXPECT_TRUE(swarm.torrents[1].paused);
  EXPECT_EQ(book.For(dir / "a"), "last");
}

TEST(ResumeBook, ForgetDropsTheStoredDataAndRemovedStopsTracking) {
  testing::TempDir dir;
  testing::WriteFile(dir / "a", "a");
  FakeJobStore store;
  FakeSwarm swarm;
  ResumeBook book(&store, swarm);
  book.Keep(1, dir / "a");
  book.OnChecked(CheckedEvent(1));
  book.Save(false);
  book.OnData(Data(1, "x"));
  book.Forget(dir / "a");
  EXPECT_EQ(book.For(dir / "a"), "");
  book.Removed(1);
  book.Save(true);
  EXPECT_EQ(swarm.resume_asked.size(), 1u);
}

TEST(ResumeBook, WithoutAStoreNothingIsKept) {
  FakeSwarm swarm;
  ResumeBook book(nullptr, swarm);
  book.Keep(1, "/tmp/x");
  book.OnChecked(CheckedEvent(1));
  book.Save(true);
  EXPECT_TRUE(swarm.resume_asked.empty());
  EXPECT_EQ(book.For("/tmp/x"), "");
}

TEST(ResumeBook, CountsChecksByHowTheyWereDone) {
  FakeSwarm swarm;
  ResumeBook book(nullptr, swarm);
  TorrentEvent resumed{TorrentEvent::Kind::kChecked};
  resumed.from_resume = true;
  TorrentEvent hashed{TorrentEvent::Kind::kChecked};
  hashed.hashed = true;
  book.OnChecked(resumed);
  book.OnChecked(hashed);
  book.OnChecked(hashed);
  EXPECT_EQ(book.checks_resumed(), 1u);
  EXPECT_EQ(book.checks_hashed(), 2u);
}

}  // namespace
}  // namespace shoal::engine
