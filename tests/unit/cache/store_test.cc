#include "cache/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <fstream>

namespace shoal::cache {
namespace {
namespace fs = std::filesystem;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("shoal-store-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  std::unique_ptr<Store> Open(std::uint64_t high = 0, std::uint64_t low = 0, std::int64_t age = 0) {
    StoreOptions o;
    o.root = root_;
    o.high_watermark_bytes = high;
    o.low_watermark_bytes = low;
    o.max_age_s = age;
    o.now = [this] { return now_.load(); };
    std::string error;
    auto s = Store::Open(o, &error);
    EXPECT_TRUE(s) << error;
    return s;
  }

  static bool Put(Store& s, const std::string& url, const std::string& body) {
    std::string error;
    auto fill = s.BeginFill(&error);
    if (!fill || !fill->Write(body.data(), body.size())) return false;
    EntryMeta m;
    m.url = url;
    m.etag = "\"e\"";
    return s.Commit(std::move(fill), m, &error);
  }

  static std::string Read(const Handle& h) {
    std::string out(h.meta().size, '\0');
    EXPECT_EQ(pread(h.fd(), out.data(), out.size(), 0), static_cast<ssize_t>(out.size()));
    return out;
  }

  fs::path root_;
  std::atomic<std::int64_t> now_{1000};
};

TEST_F(StoreTest, CommitThenLookupReturnsTheBytesAndTheirHash) {
  auto s = Open();
  ASSERT_TRUE(Put(*s, "http://a/x", "hello"));
  auto h = s->Lookup("http://a/x");
  ASSERT_TRUE(h);
  EXPECT_EQ(Read(*h), "hello");
  EXPECT_EQ(h->meta().sha256, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  EXPECT_EQ(h->meta().etag, "\"e\"");
  EXPECT_TRUE(fs::exists(root_ / "objects" / h->meta().sha256));
  EXPECT_FALSE(s->Lookup("http://a/other"));
}

TEST_F(StoreTest, SameContentUnderTwoUrlsIsOneFile) {
  auto s = Open();
  ASSERT_TRUE(Put(*s, "http://a/1", "same"));
  ASSERT_TRUE(Put(*s, "http://a/2", "same"));
  EXPECT_EQ(s->Counters().disk_bytes, 4u);
  EXPECT_EQ(s->Counters().entries, 2u);
  ASSERT_TRUE(s->Remove("http://a/1"));
  EXPECT_TRUE(s->Lookup("http://a/2"));  // the shared file stays
}

TEST_F(StoreTest, AnUncommittedFillLeavesNothing) {
  auto s = Open();
  std::string error;
  {
    auto fill = s->BeginFill(&error);
    ASSERT_TRUE(fill);
    ASSERT_TRUE(fill->Write("abc", 3));
  }
  EXPECT_TRUE(fs::is_empty(root_ / "tmp"));
  EXPECT_EQ(s->Counters().entries, 0u);
}

TEST_F(StoreTest, EvictsLeastRecentlyUsedFromHighDownToLowWatermark) {
  auto s = Open(/*high=*/350, /*low=*/200);
  for (int i = 0; i < 3; ++i) {
    now_ = 1000 + i;
    ASSERT_TRUE(Put(*s, "http://a/" + std::to_string(i), std::string(100, 'a' + i)));
  }
  now_ = 1010;
  EXPECT_TRUE(s->Lookup("http://a/0"));  // 0 is now the most recently used
  now_ = 1020;
  ASSERT_TRUE(Put(*s, "http://a/3", std::string(100, 'd')));  // 400 > 350: down to <= 200
  EXPECT_EQ(s->Counters().disk_bytes, 200u);
  EXPECT_EQ(s->Counters().evictions, 2u);
  EXPECT_FALSE(s->Lookup("http://a/1"));
  EXPECT_FALSE(s->Lookup("http://a/2"));
  EXPECT_TRUE(s->Lookup("http://a/0"));
  EXPECT_TRUE(s->Lookup("http://a/3"));
}

TEST_F(StoreTest, BelowTheHighWatermarkNothingIsEvicted) {
  auto s = Open(/*high=*/300, /*low=*/100);
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(Put(*s, "http://a/" + std::to_string(i), std::string(100, 'a' + i)));
  EXPECT_EQ(s->Counters().disk_bytes, 300u);
  EXPECT_EQ(s->Counters().evictions, 0u);
}

TEST_F(StoreTest, PinnedAndInUseEntriesAreNeverEvicted) {
  auto s = Open(/*high=*/250, /*low=*/0);
  ASSERT_TRUE(Put(*s, "http://a/pinned", std::string(100, 'p')));
  ASSERT_TRUE(s->Pin("http://a/pinned", true));
  ASSERT_TRUE(Put(*s, "http://a/served", std::string(100, 's')));
  auto served = s->Lookup("http://a/served");
  ASSERT_TRUE(served);
  ASSERT_TRUE(Put(*s, "http://a/new", std::string(100, 'n')));  // 300 > 250: evict to 0
  EXPECT_TRUE(s->Lookup("http://a/pinned"));
  EXPECT_EQ(Read(*served), std::string(100, 's'));
  EXPECT_FALSE(s->Lookup("http://a/new"));  // the only evictable one
  served.reset();
  EXPECT_EQ(s->Evict(), 0);  // 200 <= 250 now: nothing to do
}

TEST_F(StoreTest, MaximumAgeEvictsOldEntries) {
  auto s = Open(0, 0, /*age=*/100);
  ASSERT_TRUE(Put(*s, "http://a/old", "old"));
  now_ = 1050;
  ASSERT_TRUE(Put(*s, "http://a/young", "young"));
  now_ = 1101;
  EXPECT_EQ(s->Evict(), 1);
  EXPECT_FALSE(s->Lookup("http://a/old"));
  EXPECT_TRUE(s->Lookup("http://a/young"));
}

TEST_F(StoreTest, ACorruptFileIsDroppedNotServed) {
  auto s = Open();
  ASSERT_TRUE(Put(*s, "http://a/x", "good content"));
  EntryMeta m;
  ASSERT_TRUE(s->Peek("http://a/x", &m));
  {
    std::fstream f(root_ / "objects" / m.sha256, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(0);
    f.write("BAD!", 4);  // same size, different bytes
  }
  EXPECT_FALSE(s->Lookup("http://a/x"));
  EXPECT_EQ(s->Counters().corrupt, 1u);
  EXPECT_FALSE(s->Peek("http://a/x", &m));
  EXPECT_FALSE(fs::exists(root_ / "objects" / m.sha256));
}

TEST_F(StoreTest, ACorruptFileIsDetectedAfterItWasServedOnce) {
  auto s = Open();
  ASSERT_TRUE(Put(*s, "http://a/x", "good content"));
  ASSERT_TRUE(s->Lookup("http://a/x"));
  EntryMeta m;
  ASSERT_TRUE(s->Peek("http://a/x", &m));
  usleep(10000);  // a later mtime
  std::ofstream(root_ / "objects" / m.sha256, std::ios::binary) << "bad content!";
  EXPECT_FALSE(s->Lookup("http://a/x"));
}

TEST_F(StoreTest, SurvivesRestartAndDiscardsInterruptedFills) {
  // As if killed mid-fill: the fill outlives its store, so its temp file stays behind when the
  // store restarts (held here, not leaked, so LeakSanitizer has nothing to say).
  std::unique_ptr<Fill> killed;
  {
    auto s = Open();
    ASSERT_TRUE(Put(*s, "http://a/x", "kept"));
    ASSERT_TRUE(s->Pin("http://a/x", true));
    std::string error;
    killed = s->BeginFill(&error);
    ASSERT_TRUE(killed->Write("partial", 7));
  }
  std::ofstream(root_ / "objects" / "orphan") << "no row names me";
  auto s = Open();
  auto h = s->Lookup("http://a/x");
  ASSERT_TRUE(h);
  EXPECT_EQ(Read(*h), "kept");
  EXPECT_TRUE(h->meta().pinned);
  EXPECT_TRUE(fs::is_empty(root_ / "tmp"));
  EXPECT_FALSE(fs::exists(root_ / "objects" / "orphan"));
}

TEST_F(StoreTest, LookupsThatFindAnEntryCountAsItsHitsAcrossRestarts) {
  {
    auto s = Open();
    ASSERT_TRUE(Put(*s, "http://a/x", "body"));
    EXPECT_EQ(s->List().at(0).hits, 0u);
    EXPECT_FALSE(s->Lookup("http://a/missing"));
    EXPECT_EQ(s->Lookup("http://a/x")->meta().hits, 1u);
    EXPECT_EQ(s->Lookup("http://a/x")->meta().hits, 2u);
  }
  auto s = Open();
  ASSERT_EQ(s->List().size(), 1u);
  EXPECT_EQ(s->List()[0].hits, 2u);
}

TEST_F(StoreTest, AnIndexWrittenBeforeHitsWereCountedOpensWithZeroHits) {
  {
    auto s = Open();
    ASSERT_TRUE(Put(*s, "http://a/x", "body"));
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((root_ / "index.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "ALTER TABLE entries DROP COLUMN hits", nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
  auto s = Open();
  ASSERT_TRUE(s);
  ASSERT_EQ(s->List().size(), 1u);
  EXPECT_EQ(s->List()[0].hits, 0u);
  EXPECT_EQ(s->Lookup("http://a/x")->meta().hits, 1u);
  ASSERT_TRUE(Put(*s, "http://a/y", "other"));
}

TEST_F(StoreTest, AnEntryWhoseFileVanishedIsDroppedAtStart) {
  std::string sha;
  {
    auto s = Open();
    ASSERT_TRUE(Put(*s, "http://a/x", "gone"));
    EntryMeta m;
    ASSERT_TRUE(s->Peek("http://a/x", &m));
    sha = m.sha256;
  }
  fs::remove(root_ / "objects" / sha);
  auto s = Open();
  EXPECT_EQ(s->Counters().entries, 0u);
}

TEST_F(StoreTest, RefreshUpdatesFreshnessAndKeepsOldValidatorsWhenNoneSent) {
  auto s = Open();
  ASSERT_TRUE(Put(*s, "http://a/x", "v"));
  now_ = 2000;
  ASSERT_TRUE(s->Refresh("http://a/x", 5000, "", "Tue, 01 Dec 2026 10:00:00 GMT"));
  EntryMeta m;
  ASSERT_TRUE(s->Peek("http://a/x", &m));
  EXPECT_EQ(m.fresh_until, 5000);
  EXPECT_EQ(m.stored_at, 2000);
  EXPECT_EQ(m.etag, "\"e\"");
  EXPECT_EQ(m.last_modified, "Tue, 01 Dec 2026 10:00:00 GMT");
  EXPECT_FALSE(s->Refresh("http://a/none", 1, "", ""));
}

TEST_F(StoreTest, AnUnusableRootIsAClearError) {
  StoreOptions o;
  o.root = "/proc/shoal-cannot-be-here";
  std::string error;
  EXPECT_FALSE(Store::Open(o, &error));
  EXPECT_NE(error.find("/proc/shoal-cannot-be-here"), std::string::npos);
}

}  // namespace
}  // namespace shoal::cache
