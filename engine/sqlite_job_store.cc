// JobStore on SQLite: jobs.db in the data directory, WAL journal with synchronous=NORMAL
// (decision 0005: a commit survives a process crash; only a power loss may undo the last few,
// the same window in which the temp files' page cache is lost). The only code that includes
// sqlite3. Thread-compatible: the engine thread owns it.
#include <sqlite3.h>

#include <cstring>
#include <ctime>
#include <filesystem>

#include "engine/byte_ranges.h"
#include "engine/crash_point.h"
#include "engine/job_store.h"

namespace shoal::engine {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS jobs(
  id BLOB PRIMARY KEY, state INTEGER NOT NULL, display_name TEXT, description TEXT,
  priority INTEGER, notify_flags INTEGER, retry_delay INTEGER, no_progress_timeout INTEGER,
  proxy_usage INTEGER, proxy_list TEXT, proxy_bypass TEXT,
  creation_ns INTEGER, modification_ns INTEGER, completion_ns INTEGER, error_count INTEGER,
  err_code INTEGER, err_context INTEGER, err_file INTEGER, err_message TEXT, err_protocol TEXT,
  completing INTEGER NOT NULL DEFAULT 0, stalled_since_ns INTEGER NOT NULL DEFAULT 0,
  owner_uid INTEGER NOT NULL DEFAULT -1,
  notify_program TEXT NOT NULL DEFAULT '', notify_parameters TEXT NOT NULL DEFAULT '',
  custom_headers TEXT NOT NULL DEFAULT '', security_flags INTEGER NOT NULL DEFAULT 0,
  file_acl_flags INTEGER NOT NULL DEFAULT 0, peer_caching_flags INTEGER NOT NULL DEFAULT 3,
  max_download_time INTEGER NOT NULL DEFAULT 7776000,
  cost_flags INTEGER NOT NULL DEFAULT 2147483903, notification_clsid TEXT NOT NULL DEFAULT '',
  err_no_progress INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS files(
  job BLOB NOT NULL, idx INTEGER NOT NULL, remote_url TEXT, local_path TEXT, temp_name TEXT,
  metainfo BLOB, sha256 BLOB, http_only INTEGER, http INTEGER, verified INTEGER,
  bytes_total INTEGER, verified_bytes INTEGER, from_peers INTEGER, from_http INTEGER,
  to_peers INTEGER NOT NULL DEFAULT 0, client_path TEXT NOT NULL DEFAULT '',
  ranges TEXT NOT NULL DEFAULT '', ranged_chunks TEXT NOT NULL DEFAULT '',
  from_cache_server INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(job, idx));
CREATE TABLE IF NOT EXISTS seeds(
  dir TEXT NOT NULL, file_name TEXT NOT NULL, metainfo BLOB, added_ns INTEGER,
  owned INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(dir, file_name));
CREATE TABLE IF NOT EXISTS resume(
  path TEXT PRIMARY KEY, data BLOB, size INTEGER, mtime_ns INTEGER, inode INTEGER, boot TEXT);
)sql";

// Columns added after a table's first release. Opening a jobs.db written by an older engine
// adds each one it lacks (ALTER TABLE ... ADD COLUMN; rows get the default), so a newer
// engine reads an older store. Append here, and to kSchema, when a table gains a column.
struct AddedColumn {
  const char* table;
  const char* column;
  const char* type;  // with its DEFAULT, which the existing rows take
};
constexpr AddedColumn kAddedColumns[] = {
    {"jobs", "completing", "INTEGER NOT NULL DEFAULT 0"},
    {"jobs", "stalled_since_ns", "INTEGER NOT NULL DEFAULT 0"},
    {"files", "to_peers", "INTEGER NOT NULL DEFAULT 0"},
    {"jobs", "owner_uid", "INTEGER NOT NULL DEFAULT -1"},
    {"files", "client_path", "TEXT NOT NULL DEFAULT ''"},
    {"jobs", "notify_program", "TEXT NOT NULL DEFAULT ''"},
    {"jobs", "notify_parameters", "TEXT NOT NULL DEFAULT ''"},
    {"jobs", "custom_headers", "TEXT NOT NULL DEFAULT ''"},
    {"jobs", "security_flags", "INTEGER NOT NULL DEFAULT 0"},
    {"jobs", "file_acl_flags", "INTEGER NOT NULL DEFAULT 0"},
    {"jobs", "peer_caching_flags", "INTEGER NOT NULL DEFAULT 3"},
    {"jobs", "max_download_time", "INTEGER NOT NULL DEFAULT 7776000"},
    {"jobs", "cost_flags", "INTEGER NOT NULL DEFAULT 2147483903"},
    {"jobs", "notification_clsid", "TEXT NOT NULL DEFAULT ''"},
    {"jobs", "err_no_progress", "INTEGER NOT NULL DEFAULT 0"},
    {"files", "ranges", "TEXT NOT NULL DEFAULT ''"},         // byte_ranges.h EncodeRanges
    {"files", "ranged_chunks", "TEXT NOT NULL DEFAULT ''"},  // RangedHttp::EncodeChunks
    {"files", "from_cache_server", "INTEGER NOT NULL DEFAULT 0"},
    {"seeds", "owned", "INTEGER NOT NULL DEFAULT 0"},
};

// The later BITS properties' columns (IBackgroundCopyJob2-5, HttpOptions), in the order
// ReadJobs selects them from index kExtFirstColumn on, each with what an older row reads as.
struct ExtColumn {
  const char* name;
  const char* fallback;
};
constexpr ExtColumn kExtColumns[] = {
    {"notify_program", "''"},         {"notify_parameters", "''"},  {"custom_headers", "''"},
    {"security_flags", "0"},          {"file_acl_flags", "0"},      {"peer_caching_flags", "3"},
    {"max_download_time", "7776000"}, {"cost_flags", "2147483903"}, {"notification_clsid", "''"},
    {"err_no_progress", "0"},
};
constexpr int kExtFirstColumn = 23;

bool HasColumn(sqlite3* db, const char* table, const char* column) {
  sqlite3_stmt* s = nullptr;
  const std::string sql = std::string("PRAGMA table_info(") + table + ")";
  bool found = false;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK) {
    while (!found && sqlite3_step(s) == SQLITE_ROW) {
      const auto* name = reinterpret_cast<const char*>(sqlite3_column_text(s, 1));
      found = name != nullptr && std::strcmp(name, column) == 0;
    }
  }
  sqlite3_finalize(s);
  return found;
}

// Adds the columns of kAddedColumns an older database lacks. False with *why on failure.
bool AddMissingColumns(sqlite3* db, std::string* why) {
  for (const AddedColumn& c : kAddedColumns) {
    if (HasColumn(db, c.table, c.column)) continue;
    const std::string sql =
        std::string("ALTER TABLE ") + c.table + " ADD COLUMN " + c.column + " " + c.type;
    char* msg = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
      *why = sql + ": " + (msg ? msg : "?");
      sqlite3_free(msg);
      return false;
    }
  }
  return true;
}

std::string IdBlob(const Uuid& id) {
  std::string b(16, '\0');
  std::memcpy(b.data(), &id.data1, 4);
  std::memcpy(b.data() + 4, &id.data2, 2);
  std::memcpy(b.data() + 6, &id.data3, 2);
  std::memcpy(b.data() + 8, id.data4, 8);
  return b;
}

bool IdFromBlob(const void* p, int n, Uuid* id) {
  if (p == nullptr || n != 16) return false;
  const auto* b = static_cast<const char*>(p);
  std::memcpy(&id->data1, b, 4);
  std::memcpy(&id->data2, b + 4, 2);
  std::memcpy(&id->data3, b + 6, 2);
  std::memcpy(id->data4, b + 8, 8);
  return true;
}

std::string Text(sqlite3_stmt* s, int col) {
  const void* p = sqlite3_column_blob(s, col);
  return p == nullptr ? std::string()
                      : std::string(static_cast<const char*>(p), sqlite3_column_bytes(s, col));
}

// A prepared statement, finalized on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
  ~Stmt() { sqlite3_finalize(s_); }
  explicit operator bool() const { return s_ != nullptr; }
  sqlite3_stmt* get() const { return s_; }
  void Blob(int i, const std::string& v) {
    sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void Str(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void Int(int i, std::int64_t v) { sqlite3_bind_int64(s_, i, v); }

 private:
  sqlite3_stmt* s_ = nullptr;
};

class SqliteJobStore : public JobStore {
 public:
  explicit SqliteJobStore(sqlite3* db) : db_(db) {}
  ~SqliteJobStore() override { sqlite3_close(db_); }

  bool Put(const StoredJob& job, std::string* error) override {
    if (!Exec("BEGIN IMMEDIATE", error)) return false;
    if (!WriteJob(job, error)) {
      Exec("ROLLBACK", nullptr);
      return false;
    }
    CrashPoint("store.job_written", ToString(job.state));  // test hook: dies before COMMIT
    return Exec("COMMIT", error);
  }

  bool Remove(const Uuid& id, std::string* error) override {
    if (!Exec("BEGIN IMMEDIATE", error)) return false;
    for (const char* sql : {"DELETE FROM files WHERE job=?", "DELETE FROM jobs WHERE id=?"}) {
      Stmt s(db_, sql);
      if (!s) return Fail(error);
      s.Blob(1, IdBlob(id));
      if (sqlite3_step(s.get()) != SQLITE_DONE) {
        Fail(error);
        Exec("ROLLBACK", nullptr);
        return false;
      }
    }
    return Exec("COMMIT", error);
  }

  std::vector<StoredJob> LoadAll(std::string* warnings) override { return ReadAll(db_, warnings); }

  bool PutSeed(const StoredSeed& seed, std::string* error) override {
    Stmt s(db_, "INSERT OR REPLACE INTO seeds(dir,file_name,metainfo,added_ns,owned) "
                "VALUES(?,?,?,?,?)");
    if (!s) return Fail(error);
    s.Str(1, seed.dir);
    s.Str(2, seed.file_name);
    s.Blob(3, seed.metainfo);
    s.Int(4, seed.added_ns);
    s.Int(5, seed.owned ? 1 : 0);
    return sqlite3_step(s.get()) == SQLITE_DONE || Fail(error);
  }

  bool RemoveSeed(const std::string& dir, const std::string& file_name,
                  std::string* error) override {
    Stmt s(db_, "DELETE FROM seeds WHERE dir=? AND file_name=?");
    if (!s) return Fail(error);
    s.Str(1, dir);
    s.Str(2, file_name);
    return sqlite3_step(s.get()) == SQLITE_DONE || Fail(error);
  }

  std::vector<StoredSeed> LoadSeeds(std::string* warnings) override {
    std::vector<StoredSeed> out;
    Stmt s(db_, "SELECT dir,file_name,metainfo,added_ns,owned FROM seeds ORDER BY added_ns");
    if (!s) return out;
    int rc;
    while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
      out.push_back({Text(s.get(), 2), Text(s.get(), 0), Text(s.get(), 1),
                     sqlite3_column_int64(s.get(), 3), sqlite3_column_int(s.get(), 4) != 0});
    }
    if (rc != SQLITE_DONE) *warnings += std::string("seeds: ") + sqlite3_errmsg(db_) + "\n";
    return out;
  }

  bool PutResume(const std::string& path, const StoredResume& r, std::string* error) override {
    Stmt s(db_, "INSERT OR REPLACE INTO resume VALUES(?,?,?,?,?,?)");
    if (!s) return Fail(error);
    s.Str(1, path);
    s.Blob(2, r.data);
    s.Int(3, r.stamp.size);
    s.Int(4, r.stamp.mtime_ns);
    s.Int(5, static_cast<std::int64_t>(r.stamp.inode));
    s.Str(6, r.stamp.boot_id);
    return sqlite3_step(s.get()) == SQLITE_DONE || Fail(error);
  }

  bool GetResume(const std::string& path, StoredResume* out) override {
    Stmt s(db_, "SELECT data,size,mtime_ns,inode,boot FROM resume WHERE path=?");
    if (!s) return false;
    s.Str(1, path);
    if (sqlite3_step(s.get()) != SQLITE_ROW) return false;
    out->data = Text(s.get(), 0);
    out->stamp = {sqlite3_column_int64(s.get(), 1), sqlite3_column_int64(s.get(), 2),
                  static_cast<std::uint64_t>(sqlite3_column_int64(s.get(), 3)), Text(s.get(), 4)};
    return true;
  }

  bool RemoveResume(const std::string& path, std::string* error) override {
    Stmt s(db_, "DELETE FROM resume WHERE path=?");
    if (!s) return Fail(error);
    s.Str(1, path);
    return sqlite3_step(s.get()) == SQLITE_DONE || Fail(error);
  }

  // Reads what it can from `db`: unreadable rows and a failing scan are reported, not fatal.
  static std::vector<StoredJob> ReadAll(sqlite3* db, std::string* warnings) {
    std::vector<StoredJob> out;
    // A salvaged database written by an older engine may lack the newer columns.
    const std::string completing = HasColumn(db, "jobs", "completing") ? "completing" : "0";
    const std::string stalled =
        HasColumn(db, "jobs", "stalled_since_ns") ? "stalled_since_ns" : "0";
    const std::string owner = HasColumn(db, "jobs", "owner_uid") ? "owner_uid" : "-1";
    std::string ext;
    for (const ExtColumn& c : kExtColumns) {
      ext += std::string(",") + (HasColumn(db, "jobs", c.name) ? c.name : c.fallback);
    }
    const std::string sql =
        "SELECT id,state,display_name,description,priority,notify_flags,retry_delay,"
        "no_progress_timeout,proxy_usage,proxy_list,proxy_bypass,creation_ns,"
        "modification_ns,completion_ns,error_count,err_code,err_context,err_file,"
        "err_message,err_protocol," +
        completing + "," + stalled + "," + owner + ext + " FROM jobs ORDER BY creation_ns, rowid";
    Stmt s(db, sql.c_str());
    if (!s) {
      *warnings += std::string("cannot read jobs: ") + sqlite3_errmsg(db) + "\n";
      return out;
    }
    int rc;
    while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
      sqlite3_stmt* r = s.get();
      StoredJob j;
      const int state = sqlite3_column_int(r, 1);
      if (!IdFromBlob(sqlite3_column_blob(r, 0), sqlite3_column_bytes(r, 0), &j.id) || state < 0 ||
          state > static_cast<int>(JobState::kCancelled)) {
        *warnings += "skipped a job row with a malformed id or state\n";
        continue;
      }
      j.state = static_cast<JobState>(state);
      j.props.display_name = Text(r, 2);
      j.props.description = Text(r, 3);
      j.props.priority = static_cast<Priority>(sqlite3_column_int(r, 4) & 3);
      j.props.notify_flags = static_cast<std::uint32_t>(sqlite3_column_int64(r, 5));
      j.props.minimum_retry_delay_s = static_cast<std::uint32_t>(sqlite3_column_int64(r, 6));
      j.props.no_progress_timeout_s = static_cast<std::uint32_t>(sqlite3_column_int64(r, 7));
      j.props.proxy_usage = sqlite3_column_int(r, 8);
      j.props.proxy_list = Text(r, 9);
      j.props.proxy_bypass_list = Text(r, 10);
      j.times = {sqlite3_column_int64(r, 11), sqlite3_column_int64(r, 12),
                 sqlite3_column_int64(r, 13)};
      j.error_count = static_cast<std::uint32_t>(sqlite3_column_int64(r, 14));
      if (sqlite3_column_type(r, 15) != SQLITE_NULL) {
        JobErrorInfo e;
        e.code = static_cast<hr::HResult>(sqlite3_column_int64(r, 15));
        e.context = static_cast<ErrorContext>(sqlite3_column_int(r, 16));
        e.file_index = sqlite3_column_int(r, 17);
        e.message = Text(r, 18);
        e.protocol = Text(r, 19);
        e.no_progress = sqlite3_column_int(r, kExtFirstColumn + 9) != 0;
        j.error = e;
      }
      j.completing = sqlite3_column_int(r, 20) != 0;
      j.stalled_since_ns = sqlite3_column_int64(r, 21);
      j.props.owner_uid = sqlite3_column_int64(r, 22);
      constexpr int x = kExtFirstColumn;
      const auto u32 = [r](int col) {
        return static_cast<std::uint32_t>(sqlite3_column_int64(r, col));
      };
      j.props.notify_program = Text(r, x);
      j.props.notify_parameters = Text(r, x + 1);
      j.props.custom_headers = Text(r, x + 2);
      j.props.security_flags = u32(x + 3);
      j.props.file_acl_flags = u32(x + 4);
      j.props.peer_caching_flags = u32(x + 5);
      j.props.maximum_download_time_s = u32(x + 6);
      j.props.cost_flags = u32(x + 7);
      j.props.notification_clsid = Text(r, x + 8);
      if (!ReadFiles(db, &j, warnings)) continue;
      out.push_back(std::move(j));
    }
    if (rc != SQLITE_DONE) {
      *warnings += std::string("the job table ends early: ") + sqlite3_errmsg(db) + " (" +
                   std::to_string(out.size()) + " jobs read)\n";
    }
    return out;
  }

 private:
  static bool ReadFiles(sqlite3* db, StoredJob* j, std::string* warnings) {
    const std::string sql =
        "SELECT remote_url,local_path,temp_name,metainfo,sha256,http_only,http,verified,"
        "bytes_total,verified_bytes,from_peers,from_http,to_peers," +
        std::string(HasColumn(db, "files", "client_path") ? "client_path" : "''") + "," +
        std::string(HasColumn(db, "files", "ranges") ? "ranges" : "''") + "," +
        std::string(HasColumn(db, "files", "ranged_chunks") ? "ranged_chunks" : "''") + "," +
        std::string(HasColumn(db, "files", "from_cache_server") ? "from_cache_server" : "0") +
        " FROM files WHERE job=? ORDER BY idx";
    Stmt s(db, sql.c_str());
    if (!s) return false;
    s.Blob(1, IdBlob(j->id));
    int rc;
    while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
      sqlite3_stmt* r = s.get();
      StoredFile f;
      f.spec.remote_url = Text(r, 0);
      f.spec.local_path = Text(r, 1);
      f.temp_name = Text(r, 2);
      f.spec.metainfo = Text(r, 3);
      f.spec.sha256 = Text(r, 4);
      f.spec.http_only = sqlite3_column_int(r, 5) != 0;
      f.http = sqlite3_column_int(r, 6) != 0;
      f.verified = sqlite3_column_int(r, 7) != 0;
      f.bytes_total = static_cast<std::uint64_t>(sqlite3_column_int64(r, 8));
      f.verified_bytes = static_cast<std::uint64_t>(sqlite3_column_int64(r, 9));
      f.sources.from_peers = static_cast<std::uint64_t>(sqlite3_column_int64(r, 10));
      f.sources.from_http = static_cast<std::uint64_t>(sqlite3_column_int64(r, 11));
      f.sources.to_peers = static_cast<std::uint64_t>(sqlite3_column_int64(r, 12));
      f.spec.client_path = Text(r, 13);
      f.ranged_chunks = Text(r, 15);  // checked where it is used: a bad record keeps nothing
      f.sources.from_cache_server = static_cast<std::uint64_t>(sqlite3_column_int64(r, 16));
      if (f.temp_name.empty() || f.temp_name.find('/') != std::string::npos ||
          f.spec.local_path.empty() || f.spec.local_path[0] != '/' ||
          !DecodeRanges(Text(r, 14), &f.spec.ranges) ||
          (!f.spec.ranges.empty() && hr::Failed(ValidateRanges(f.spec.ranges, kSizeUnknown)))) {
        *warnings += "job " + j->id.ToString() + ": skipped a malformed file row\n";
        return false;
      }
      j->files.push_back(std::move(f));
    }
    if (rc != SQLITE_DONE) {
      *warnings += "job " + j->id.ToString() + ": its files cannot be read (" + sqlite3_errmsg(db) +
                   "); the job is dropped\n";
      return false;
    }
    return true;
  }

  bool WriteJob(const StoredJob& j, std::string* error) {
    const std::string id = IdBlob(j.id);
    Stmt s(db_,
           "INSERT OR REPLACE INTO jobs(id,state,display_name,description,priority,"
           "notify_flags,retry_delay,no_progress_timeout,proxy_usage,proxy_list,proxy_bypass,"
           "creation_ns,modification_ns,completion_ns,error_count,err_code,err_context,"
           "err_file,err_message,err_protocol,completing,stalled_since_ns,owner_uid,"
           "notify_program,notify_parameters,custom_headers,security_flags,file_acl_flags,"
           "peer_caching_flags,max_download_time,cost_flags,notification_clsid,err_no_progress) "
           "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!s) return Fail(error);
    s.Blob(1, id);
    s.Int(2, static_cast<int>(j.state));
    s.Str(3, j.props.display_name);
    s.Str(4, j.props.description);
    s.Int(5, static_cast<int>(j.props.priority));
    s.Int(6, j.props.notify_flags);
    s.Int(7, j.props.minimum_retry_delay_s);
    s.Int(8, j.props.no_progress_timeout_s);
    s.Int(9, j.props.proxy_usage);
    s.Str(10, j.props.proxy_list);
    s.Str(11, j.props.proxy_bypass_list);
    s.Int(12, j.times.creation_ns);
    s.Int(13, j.times.modification_ns);
    s.Int(14, j.times.transfer_completion_ns);
    s.Int(15, j.error_count);
    if (j.error) {
      s.Int(16, static_cast<std::int64_t>(j.error->code));
      s.Int(17, static_cast<int>(j.error->context));
      s.Int(18, j.error->file_index);
      s.Str(19, j.error->message);
      s.Str(20, j.error->protocol);
    }
    s.Int(21, j.completing);
    s.Int(22, j.stalled_since_ns);
    s.Int(23, j.props.owner_uid);
    s.Str(24, j.props.notify_program);
    s.Str(25, j.props.notify_parameters);
    s.Str(26, j.props.custom_headers);
    s.Int(27, j.props.security_flags);
    s.Int(28, j.props.file_acl_flags);
    s.Int(29, j.props.peer_caching_flags);
    s.Int(30, j.props.maximum_download_time_s);
    s.Int(31, j.props.cost_flags);
    s.Str(32, j.props.notification_clsid);
    s.Int(33, j.error && j.error->no_progress);
    if (sqlite3_step(s.get()) != SQLITE_DONE) return Fail(error);
    Stmt del(db_, "DELETE FROM files WHERE job=?");
    if (!del) return Fail(error);
    del.Blob(1, id);
    if (sqlite3_step(del.get()) != SQLITE_DONE) return Fail(error);
    for (std::size_t i = 0; i < j.files.size(); ++i) {
      const StoredFile& f = j.files[i];
      Stmt fs(db_,
              "INSERT INTO files(job,idx,remote_url,local_path,temp_name,metainfo,sha256,"
              "http_only,http,verified,bytes_total,verified_bytes,from_peers,from_http,to_peers,"
              "client_path,ranges,ranged_chunks,from_cache_server) "
              "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
      if (!fs) return Fail(error);
      fs.Blob(1, id);
      fs.Int(2, static_cast<std::int64_t>(i));
      fs.Str(3, f.spec.remote_url);
      fs.Str(4, f.spec.local_path);
      fs.Str(5, f.temp_name);
      fs.Blob(6, f.spec.metainfo);
      fs.Blob(7, f.spec.sha256);
      fs.Int(8, f.spec.http_only);
      fs.Int(9, f.http);
      fs.Int(10, f.verified);
      fs.Int(11, static_cast<std::int64_t>(f.bytes_total));
      fs.Int(12, static_cast<std::int64_t>(f.verified_bytes));
      fs.Int(13, static_cast<std::int64_t>(f.sources.from_peers));
      fs.Int(14, static_cast<std::int64_t>(f.sources.from_http));
      fs.Int(15, static_cast<std::int64_t>(f.sources.to_peers));
      fs.Str(16, f.spec.client_path);
      fs.Str(17, EncodeRanges(f.spec.ranges));
      fs.Str(18, f.ranged_chunks);
      fs.Int(19, static_cast<std::int64_t>(f.sources.from_cache_server));
      if (sqlite3_step(fs.get()) != SQLITE_DONE) return Fail(error);
    }
    return true;
  }

  bool Exec(const char* sql, std::string* error) {
    char* msg = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) == SQLITE_OK) return true;
    if (error != nullptr) *error = std::string(sql) + ": " + (msg ? msg : "?");
    sqlite3_free(msg);
    return false;
  }

  bool Fail(std::string* error) {
    if (error != nullptr) *error = sqlite3_errmsg(db_);
    return false;
  }

  sqlite3* db_;
};

sqlite3* OpenDb(const std::string& path, bool fresh_schema, std::string* why) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    *why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return nullptr;
  }
  sqlite3_busy_timeout(db, 2000);
  char* msg = nullptr;
  const std::string setup = std::string("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;") +
                            (fresh_schema ? kSchema : "");
  sqlite3_stmt* check = nullptr;
  bool ok = sqlite3_exec(db, setup.c_str(), nullptr, nullptr, &msg) == SQLITE_OK;
  if (!ok) *why = msg ? msg : "?";
  sqlite3_free(msg);
  if (ok && fresh_schema) ok = AddMissingColumns(db, why);
  if (ok) {
    ok = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &check, nullptr) == SQLITE_OK &&
         sqlite3_step(check) == SQLITE_ROW &&
         std::strcmp(reinterpret_cast<const char*>(sqlite3_column_text(check, 0)), "ok") == 0;
    if (!ok)
      *why = check && sqlite3_column_text(check, 0)
                 ? reinterpret_cast<const char*>(sqlite3_column_text(check, 0))
                 : sqlite3_errmsg(db);
    sqlite3_finalize(check);
  }
  if (!ok) {
    sqlite3_close(db);
    return nullptr;
  }
  return db;
}

}  // namespace

std::unique_ptr<JobStore> OpenSqliteJobStore(const std::string& dir, std::string* warnings,
                                             std::string* error) {
  const std::string path = dir + "/jobs.db";
  std::string why;
  std::error_code size_ec;
  // SQLite takes a 0-byte file for a new, empty database: a store truncated (or never written)
  // behind our back would vanish without a word. It is set aside like a corrupt one.
  const bool empty = std::filesystem::is_regular_file(path, size_ec) &&
                     std::filesystem::file_size(path, size_ec) == 0 && !size_ec;
  if (empty) {
    why = "the file is empty (0 bytes)";
  } else if (sqlite3* db = OpenDb(path, true, &why)) {
    return std::make_unique<SqliteJobStore>(db);
  }
  // Corrupt: salvage what a read-only look can still read, keep the file aside, start fresh.
  std::vector<StoredJob> salvaged;
  sqlite3* old = nullptr;
  if (sqlite3_open_v2(path.c_str(), &old, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    std::string ignored;
    salvaged = SqliteJobStore::ReadAll(old, &ignored);
  }
  sqlite3_close(old);
  const std::string aside = path + ".corrupt-" + std::to_string(std::time(nullptr));
  std::error_code ec;
  std::filesystem::rename(path, aside, ec);
  for (const char* suffix : {"-wal", "-shm"}) std::filesystem::remove(path + suffix, ec);
  *warnings += "the job database " + path + " is corrupt (" + why + "); kept as " + aside + ", " +
               std::to_string(salvaged.size()) + " jobs recovered from it\n";
  sqlite3* db = OpenDb(path, true, &why);
  if (db == nullptr) {
    *error = "cannot create the job database " + path + ": " + why;
    return nullptr;
  }
  auto store = std::make_unique<SqliteJobStore>(db);
  for (const StoredJob& j : salvaged) {
    std::string e;
    if (!store->Put(j, &e)) *warnings += "cannot keep job " + j.id.ToString() + ": " + e + "\n";
  }
  return store;
}

}  // namespace shoal::engine
