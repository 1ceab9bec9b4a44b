// JobStore on SQLite and the data directory lock, against real files in a temp directory.
#include "engine/job_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "tests/support/fixtures.h"

namespace shoal::engine {
namespace {

using shoal::testing::TempDir;

StoredJob SampleJob() {
  StoredJob j;
  j.id = Uuid::Random();
  j.state = JobState::kTransientError;
  j.props.display_name = "nightly";
  j.props.description = "the nightly image";
  j.props.priority = Priority::kLow;
  j.props.notify_flags = 0xB;
  j.props.minimum_retry_delay_s = 60;
  j.props.no_progress_timeout_s = 3600;
  j.props.notify_program = "/usr/bin/touch";
  j.props.notify_parameters = "touch \"/tmp/a b\"";
  j.props.custom_headers = "X-A: 1\r\n";
  j.props.security_flags = 0x100;
  j.props.file_acl_flags = 5;
  j.props.peer_caching_flags = 1;
  j.props.maximum_download_time_s = 60;
  j.props.cost_flags = 0x8000007f;
  j.props.notification_clsid = "{00000000-0000-4000-8000-000000000001}";
  j.times = {100, 200, 0};
  j.error_count = 3;
  j.error = JobErrorInfo{hr::HResult(0x80190194), ErrorContext::kRemoteFile, 0, "404", "http",
                         /*no_progress=*/true};
  StoredFile f;
  f.spec.remote_url = "http://127.0.0.1/a.bin";
  f.spec.local_path = "/tmp/a.bin";
  f.spec.metainfo = std::string("d4:info\0de", 10);  // binary-safe
  f.spec.sha256 = std::string(32, '\x7f');
  f.temp_name = ".a.bin.x-0.shoal-tmp";
  f.bytes_total = 1 << 20;
  f.verified_bytes = 65536;
  f.sources = {1000, 2000, 500, 3000};  // peers, CDN, cache node, uploaded
  j.files.push_back(f);
  f.spec.local_path = "/tmp/b.bin";
  f.http = true;
  f.bytes_total = kSizeUnknown;
  j.files.push_back(f);
  return j;
}

TEST(SqliteJobStore, RoundTripsEveryField) {
  TempDir dir;
  std::string warnings, error;
  const StoredJob in = SampleJob();
  {
    auto store = OpenSqliteJobStore(dir.path().string(), &warnings, &error);
    ASSERT_TRUE(store) << error;
    ASSERT_TRUE(store->Put(in, &error)) << error;
  }
  auto store = OpenSqliteJobStore(dir.path().string(), &warnings, &error);
  ASSERT_TRUE(store) << error;
  const std::vector<StoredJob> out = store->LoadAll(&warnings);
  EXPECT_EQ(warnings, "");
  ASSERT_EQ(out.size(), 1u);
  const StoredJob& j = out[0];
  EXPECT_EQ(j.id, in.id);
  EXPECT_EQ(j.state, JobState::kTransientError);
  EXPECT_EQ(j.props.display_name, "nightly");
  EXPECT_EQ(j.props.description, "the nightly image");
  EXPECT_EQ(j.props.priority, Priority::kLow);
  EXPECT_EQ(j.props.notify_flags, 0xBu);
  EXPECT_EQ(j.props.minimum_retry_delay_s, 60u);
  EXPECT_EQ(j.props.no_progress_timeout_s, 3600u);
  EXPECT_EQ(j.times.modification_ns, 200);
  EXPECT_EQ(j.error_count, 3u);
  ASSERT_TRUE(j.error);
  EXPECT_EQ(j.error->code, hr::HResult(0x80190194));
  EXPECT_EQ(j.error->context, ErrorContext::kRemoteFile);
  EXPECT_TRUE(j.error->no_progress);
  // The later BITS properties (IBackgroundCopyJob2-5, IBackgroundCopyJobHttpOptions).
  EXPECT_EQ(j.props.notify_program, in.props.notify_program);
  EXPECT_EQ(j.props.notify_parameters, in.props.notify_parameters);
  EXPECT_EQ(j.props.custom_headers, in.props.custom_headers);
  EXPECT_EQ(j.props.security_flags, 0x100u);
  EXPECT_EQ(j.props.file_acl_flags, 5u);
  EXPECT_EQ(j.props.peer_caching_flags, 1u);
  EXPECT_EQ(j.props.maximum_download_time_s, 60u);
  EXPECT_EQ(j.props.cost_flags, 0x8000007fu);
  EXPECT_EQ(j.props.notification_clsid, in.props.notification_clsid);
  ASSERT_EQ(j.files.size(), 2u);
  EXPECT_EQ(j.files[0].spec.metainfo, in.files[0].spec.metainfo);
  EXPECT_EQ(j.files[0].spec.sha256, in.files[0].spec.sha256);
  EXPECT_EQ(j.files[0].verified_bytes, 65536u);
  EXPECT_EQ(j.files[0].sources, in.files[0].sources);
  EXPECT_FALSE(j.files[0].http);
  EXPECT_TRUE(j.files[1].http);
  EXPECT_EQ(j.files[1].bytes_total, kSizeUnknown);
  EXPECT_EQ(j.files[1].spec.local_path, "/tmp/b.bin");
  EXPECT_FALSE(j.completing);
}

TEST(SqliteJobStore, DatabaseFromBeforeTheCompletingColumnIsOpenedAndGainsIt) {
  TempDir dir;
  const std::string path = (dir.path() / "jobs.db").string();
  {
    // The jobs table as the first durable release wrote it, with one job in it.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    const char* old = R"sql(
      CREATE TABLE jobs(
        id BLOB PRIMARY KEY, state INTEGER NOT NULL, display_name TEXT, description TEXT,
        priority INTEGER, notify_flags INTEGER, retry_delay INTEGER,
        no_progress_timeout INTEGER, proxy_usage INTEGER, proxy_list TEXT, proxy_bypass TEXT,
        creation_ns INTEGER, modification_ns INTEGER, completion_ns INTEGER,
        error_count INTEGER, err_code INTEGER, err_context INTEGER, err_file INTEGER,
        err_message TEXT, err_protocol TEXT);
      INSERT INTO jobs(id, state, display_name, creation_ns)
        VALUES(x'0102030405060708090a0b0c0d0e0f10', 6, 'from before', 1);)sql";
    char* msg = nullptr;
    ASSERT_EQ(sqlite3_exec(db, old, nullptr, nullptr, &msg), SQLITE_OK) << msg;
    sqlite3_close(db);
  }
  std::string warnings, error;
  auto store = OpenSqliteJobStore(dir.path().string(), &warnings, &error);
  ASSERT_TRUE(store) << error;
  EXPECT_EQ(warnings, "") << "an older database is not corrupt";
  std::vector<StoredJob> jobs = store->LoadAll(&warnings);
  ASSERT_EQ(jobs.size(), 1u) << warnings;
  EXPECT_EQ(jobs[0].props.display_name, "from before");
  EXPECT_EQ(jobs[0].state, JobState::kTransferred);
  EXPECT_FALSE(jobs[0].completing) << "existing rows take the default";
  EXPECT_EQ(jobs[0].props.maximum_download_time_s, 7776000u) << "and the BITS defaults";
  EXPECT_EQ(jobs[0].props.cost_flags, 0x800000ffu);
  EXPECT_EQ(jobs[0].props.peer_caching_flags, 3u);
  EXPECT_EQ(jobs[0].props.custom_headers, "");
  jobs[0].completing = true;
  ASSERT_TRUE(store->Put(jobs[0], &error)) << error;
  store.reset();
  store = OpenSqliteJobStore(dir.path().string(), &warnings, &error);  // added only once
  ASSERT_TRUE(store) << error;
  jobs = store->LoadAll(&warnings);
  ASSERT_EQ(jobs.size(), 1u) << warnings;
  EXPECT_TRUE(jobs[0].completing);
  EXPECT_EQ(warnings, "");
}

TEST(SqliteJobStore, FilesFromBeforeTheToPeersColumnKeepTheirBytesAndGainIt) {
  TempDir dir;
  std::string warnings, error;
  StoredJob in = SampleJob();
  {
    auto store = OpenSqliteJobStore(dir.path().string(), &warnings, &error);
    ASSERT_TRUE(store) << error;
    ASSERT_TRUE(store->Put(in, &error)) << error;
  }
  {
    // The files table as it was before uploads were stored.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir.path() / "jobs.db").string().c_str(), &db), SQLITE_OK);
    char* msg = nullptr;
    ASSERT_EQ(sqlite3_exec(db, "ALTER TABLE files DROP COLUMN to_peers", nullptr, nullptr, &msg),
              SQLITE_OK)
        << msg;
    sqlite3_close(db);
  }
  auto store = OpenSqliteJobStore(dir.path().string(), &warnings, &error);
  ASSERT_TRUE(store) << error;
  std::vector<StoredJob> out = store->LoadAll(&warnings);
  ASSERT_EQ(out.size(), 1u) << warnings;
  EXPECT_EQ(out[0].files[0].sources.from_peers, 1000u);
  EXPECT_EQ(out[0].files[0].sources.to_peers, 0u) << "existing rows take the default";
  ASSERT_TRUE(store->Put(in, &error)) << error;
  out = store->LoadAll(&warnings);
  ASSERT_EQ(out.size(), 1u) << warnings;
  EXPECT_EQ(out[0].files[0].sources.to_peers, 3000u);
  EXPECT_EQ(warnings, "");
}

// Whether a seed's file is the service store's survives a restart (decision 0017), and a seeds
// table from before the column loads its rows as the users' files.
TEST(SqliteJobStore, ASeedsOwnershipRoundTripsAndAnOlderSeedsTableGainsTheColumn) {
  TempDir dir;
  std::string warnings, error;
  {
    auto store = OpenSqliteJobStore(dir.path().string(), &warnings, &error);
    ASSERT_TRUE(store) << error;
    ASSERT_TRUE(store->PutSeed({"m1", "/store/jobs/1", "0", 5, /*owned=*/true}, &error)) << error;
    ASSERT_TRUE(store->PutSeed({"m2", "/home/u", "a.bin", 6, /*owned=*/false}, &error)) << error;
    const std::vector<StoredSeed> out = store->LoadSeeds(&warnings);
    ASSERT_EQ(out.size(), 2u) << warnings;
    EXPECT_TRUE(out[0].owned);
    EXPECT_FALSE(out[1].owned);
  }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir.path() / "jobs.db").string().c_str(), &db), SQLITE_OK);
    char* msg = nullptr;
    ASSERT_EQ(sqlite3_exec(db, "ALTER TABLE seeds DROP COLUMN owned", nullptr, nullptr, &msg),
              SQLITE_OK)
        << msg;
    sqlite3_close(db);
  }
  auto store = OpenSqliteJobStore(dir.path().string(), &warnings, &error);
  ASSERT_TRUE(store) << error;
  std::vector<StoredSeed> out = store->LoadSeeds(&warnings);
  ASSERT_EQ(out.size(), 2u) << warnings;
  EXPECT_FALSE(out[0].owned) << "existing rows take the default: the user's file, kept";
  EXPECT_EQ(out[0].metainfo, "m1");
  ASSERT_TRUE(store->PutSeed({"m1", "/store/jobs/1", "0", 5, /*owned=*/true}, &error)) << error;
  out = store->LoadSeeds(&warnings);
  ASSERT_EQ(out.size(), 2u) << warnings;
  EXPECT_TRUE(out[0].owned);
  EXPECT_EQ(warnings, "");
}

// Byte ranges (AddFileWithRanges) are part of the job: they survive a restart, and a files
// table from before the ranges column loads with whole files and gains it.
TEST(SqliteJobStore, RangesRoundTripAndAnOlderFilesTableGainsTheColumn) {
  TempDir dir;
  std::string warnings, error;
  StoredJob in = SampleJob();
  in.files[0].spec.ranges = {{900, kLengthToEof}, {100, 100}};
  in.files[0].ranged_chunks = "900:100:" + std::string(64, 'a');
  {
    auto store = OpenSqliteJobStore(dir.path().string(), &warnings, &error);
    ASSERT_TRUE(store) << error;
    ASSERT_TRUE(store->Put(in, &error)) << error;
    const std::vector<StoredJob> out = store->LoadAll(&warnings);
    ASSERT_EQ(out.size(), 1u) << warnings;
    EXPECT_EQ(out[0].files[0].spec.ranges, in.files[0].spec.ranges);
    EXPECT_EQ(out[0].files[0].ranged_chunks, in.files[0].ranged_chunks);
    EXPECT_TRUE(out[0].files[1].spec.ranges.empty());
  }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir.path() / "jobs.db").string().c_str(), &db), SQLITE_OK);
    char* msg = nullptr;
    ASSERT_EQ(sqlite3_exec(db, "ALTER TABLE files DROP COLUMN ranges", nullptr, nullptr, &msg),
              SQLITE_OK)
        << msg;
    ASSERT_EQ(
        sqlite3_exec(db, "ALTER TABLE files DROP COLUMN ranged_chunks", nullptr, nullptr, &msg),
        SQLITE_OK)
        << msg;
    sqlite3_close(db);
  }
  auto store = OpenSqliteJobStore(dir.path().string(), &warnings, &error);
  ASSERT_TRUE(store) << error;
  std::vector<StoredJob> out = store->LoadAll(&warnings);
  ASSERT_EQ(out.size(), 1u) << warnings;
  EXPECT_TRUE(out[0].files[0].spec.ranges.empty()) << "existing rows are whole files";
  ASSERT_TRUE(store->Put(in, &error)) << error;
  out = store->LoadAll(&warnings);
  ASSERT_EQ(out.size(), 1u) << warnings;
  EXPECT_EQ(out[0].files[0].spec.ranges, in.files[0].spec.ranges);
  EXPECT_EQ(out[0].files[0].ranged_chunks, in.files[0].ranged_chunks);
  EXPECT_EQ(warnings, "");
}

TEST(SqliteJobStore, AFileRowWithMalformedRangesIsSkippedAndSaidSo) {
  TempDir dir;
  std::string warnings, error;
  {
    auto store = OpenSqliteJobStore(dir.path().string(), &warnings, &error);
    ASSERT_TRUE(store) << error;
    ASSERT_TRUE(store->Put(SampleJob(), &error)) << error;
  }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir.path() / "jobs.db").string().c_str(), &db), SQLITE_OK);
    char* msg = nullptr;
    ASSERT_EQ(sqlite3_exec(db, "UPDATE files SET ranges='5:0'", nullptr, nullptr, &msg), SQLITE_OK)
        << msg;
    sqlite3_close(db);
  }
  auto store = OpenSqliteJobStore(dir.path().string(), &warnings, &error);
  ASSERT_TRUE(store) << error;
  EXPECT_TRUE(store->LoadAll(&warnings).empty());
  EXPECT_NE(warnings.find("malformed file row"), std::string::npos) << warnings;
}

TEST(SqliteJobStore, PutReplacesAndRemoveDeletes) {
  TempDir dir;
  std::string warnings, error;
  auto store = OpenSqliteJobStore(dir.path().string(), &warnings, &error);
  ASSERT_TRUE(store);
  StoredJob a = SampleJob();
  StoredJob b = SampleJob();
  b.times.creation_ns = 50;  // older: listed first
  ASSERT_TRUE(store->Put(a, &error));
  ASSERT_TRUE(store->Put(b, &error));
  a.files.pop_back();
  a.state = JobState::kSuspended;
  ASSERT_TRUE(store->Put(a, &error));
  auto all = store->LoadAll(&warnings);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, b.id);
  EXPECT_EQ(all[1].files.size(), 1u);
  EXPECT_EQ(all[1].state, JobState::kSuspended);
  ASSERT_TRUE(store->Remove(b.id, &error));
  all = store->LoadAll(&warnings);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].id, a.id);
}

TEST(SqliteJobStore, GarbageDatabaseIsSetAsideWithAMessage) {
  TempDir dir;
  shoal::testing::WriteFile(dir / "jobs.db", std::string(8192, 'x'));
  std::string warnings, error;
  auto store = OpenSqliteJobStore(dir.path().string(), &warnings, &error);
  ASSERT_TRUE(store) << error;
  EXPECT_NE(warnings.find("corrupt"), std::string::npos) << warnings;
  EXPECT_TRUE(store->LoadAll(&warnings).empty());
  bool kept = false;
  for (const auto& name : shoal::testing::ListDir(dir.path().string())) {
    kept = kept || name.rfind("jobs.db.corrupt-", 0) == 0;
  }
  EXPECT_TRUE(kept);
  EXPECT_TRUE(store->Put(SampleJob(), &error)) << error;  // and works afresh
}

TEST(SqliteJobStore, EmptyDatabaseFileIsSetAsideWithAWarning) {
  // SQLite would take a 0-byte file for a new database: every job in it gone without a word.
  TempDir dir;
  shoal::testing::WriteFile(dir / "jobs.db", "");
  std::string warnings, error;
  auto store = OpenSqliteJobStore(dir.path().string(), &warnings, &error);
  ASSERT_TRUE(store) << error;
  EXPECT_NE(warnings.find("empty"), std::string::npos) << warnings;
  bool kept = false;
  for (const auto& name : shoal::testing::ListDir(dir.path().string())) {
    kept = kept || name.rfind("jobs.db.corrupt-", 0) == 0;
  }
  EXPECT_TRUE(kept) << "the bad file is kept aside";
  EXPECT_TRUE(store->Put(SampleJob(), &error)) << error;
}

TEST(SqliteJobStore, TruncatedDatabaseKeepsWhatItCanAndNeverCrashes) {
  TempDir dir;
  std::string warnings, error;
  {
    auto store = OpenSqliteJobStore(dir.path().string(), &warnings, &error);
    ASSERT_TRUE(store);
    StoredJob j = SampleJob();
    j.files[0].spec.metainfo = shoal::testing::RandomBytes(200000);  // many pages
    for (int i = 0; i < 20; ++i) {
      j.id = Uuid::Random();
      ASSERT_TRUE(store->Put(j, &error));
    }
  }  // closing checkpoints the WAL into jobs.db
  const std::string db = shoal::testing::ReadFile(dir / "jobs.db");
  ASSERT_GT(db.size(), 100000u);
  shoal::testing::WriteFile(dir / "jobs.db", db.substr(0, db.size() / 2));
  warnings.clear();
  auto store = OpenSqliteJobStore(dir.path().string(), &warnings, &error);
  ASSERT_TRUE(store) << error;
  EXPECT_NE(warnings, "");
  const auto jobs = store->LoadAll(&warnings);
  EXPECT_LE(jobs.size(), 20u);
  for (const auto& j : jobs) EXPECT_EQ(j.files.size(), 2u);  // none half-read
}

TEST(DataDirLock, SecondHolderIsRefusedUntilTheFirstLetsGo) {
  TempDir dir;
  const std::string data = dir / "state/shoal";  // created on demand
  std::string error;
  auto first = DataDirLock::Acquire(data, &error);
  ASSERT_TRUE(first) << error;
  EXPECT_FALSE(DataDirLock::Acquire(data, &error));
  EXPECT_NE(error.find("in use by another shoal engine"), std::string::npos) << error;
  first.reset();
  EXPECT_TRUE(DataDirLock::Acquire(data, &error)) << error;
}

TEST(DataDir, DefaultFollowsXdgStateHomeThenHome) {
  {
    shoal::testing::ScopedEnv xdg("XDG_STATE_HOME", "/var/xdg");
    EXPECT_EQ(DefaultDataDir(), "/var/xdg/shoal");
  }
  shoal::testing::ScopedEnv xdg("XDG_STATE_HOME", "");
  shoal::testing::ScopedEnv home("HOME", "/home/u");
  EXPECT_EQ(DefaultDataDir(), "/home/u/.local/state/shoal");
}

}  // namespace
}  // namespace shoal::engine
