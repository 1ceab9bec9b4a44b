#include "cache/store.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <system_error>

namespace shoal::cache {
namespace fs = std::filesystem;
namespace {

std::string Hex(const unsigned char* d, unsigned n) {
  static const char* k = "0123456789abcdef";
  std::string s;
  for (unsigned i = 0; i < n; ++i) {
    s += k[d[i] >> 4];
    s += k[d[i] & 15];
  }
  return s;
}

std::string Col(sqlite3_stmt* s, int i) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
  return p ? p : "";
}

class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt& Text(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Int(int i, std::int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  bool Row() { return s_ && sqlite3_step(s_) == SQLITE_ROW; }
  bool Done() { return s_ && sqlite3_step(s_) == SQLITE_DONE; }
  sqlite3_stmt* get() { return s_; }

 private:
  sqlite3_stmt* s_ = nullptr;
};

constexpr const char* kColumns =
    "url, sha256, size, etag, last_modified, content_type, stored_at, fresh_until, last_access, "
    "pinned, hits";

EntryMeta ReadRow(sqlite3_stmt* s) {
  EntryMeta m;
  m.url = Col(s, 0);
  m.sha256 = Col(s, 1);
  m.size = static_cast<std::uint64_t>(sqlite3_column_int64(s, 2));
  m.etag = Col(s, 3);
  m.last_modified = Col(s, 4);
  m.content_type = Col(s, 5);
  m.stored_at = sqlite3_column_int64(s, 6);
  m.fresh_until = sqlite3_column_int64(s, 7);
  m.last_access = sqlite3_column_int64(s, 8);
  m.pinned = sqlite3_column_int64(s, 9) != 0;
  m.hits = static_cast<std::uint64_t>(sqlite3_column_int64(s, 10));
  return m;
}

// An index written before entries counted their hits gets the column (they start at 0).
bool AddHitsColumn(sqlite3* db) {
  sqlite3_stmt* probe = nullptr;
  const bool has = sqlite3_prepare_v2(db, "SELECT hits FROM entries LIMIT 0", -1, &probe,
                                      nullptr) == SQLITE_OK;
  sqlite3_finalize(probe);
  return has || sqlite3_exec(db, "ALTER TABLE entries ADD COLUMN hits INTEGER NOT NULL DEFAULT 0",
                             nullptr, nullptr, nullptr) == SQLITE_OK;
}

}  // namespace

std::string Sha256File(int fd) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  std::vector<char> buf(1 << 20);
  off_t off = 0;
  bool ok = true;
  for (;;) {
    const ssize_t n = pread(fd, buf.data(), buf.size(), off);
    if (n < 0) ok = false;
    if (n <= 0) break;
    EVP_DigestUpdate(ctx, buf.data(), static_cast<std::size_t>(n));
    off += n;
  }
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx, d, &len);
  EVP_MD_CTX_free(ctx);
  return ok ? Hex(d, len) : "";
}

struct Store::Impl {
  StoreOptions o;
  std::mutex mu;
  sqlite3* db = nullptr;
  std::map<std::string, int> in_use;  // sha256 -> open handles
  // sha256 -> (size, mtime ns) when last checked against its hash in this process.
  std::map<std::string, std::pair<std::uint64_t, std::int64_t>> verified;
  std::uint64_t evictions = 0, corrupt = 0;

  std::int64_t Now() const {
    if (o.now) return o.now();
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  fs::path Object(const std::string& sha) const { return o.root / "objects" / sha; }

  // Deletes the row, and the file when no other row names it. Lock held.
  void DropLocked(const std::string& url, const std::string& sha) {
    Stmt(db, "DELETE FROM entries WHERE url=?").Text(1, url).Done();
    Stmt q(db, "SELECT 1 FROM entries WHERE sha256=? LIMIT 1");
    q.Text(1, sha);
    if (!q.Row()) {
      std::error_code ec;
      fs::remove(Object(sha), ec);
      verified.erase(sha);
    }
  }

  std::uint64_t DiskLocked() {
    Stmt q(db, "SELECT COALESCE(SUM(size),0) FROM (SELECT DISTINCT sha256, size FROM entries)");
    return q.Row() ? static_cast<std::uint64_t>(sqlite3_column_int64(q.get(), 0)) : 0;
  }

  std::vector<EntryMeta> SelectLocked(const char* where_order) {
    std::vector<EntryMeta> out;
    Stmt q(db, (std::string("SELECT ") + kColumns + " FROM entries " + where_order).c_str());
    while (q.Row()) out.push_back(ReadRow(q.get()));
    return out;
  }

  bool Evictable(const EntryMeta& m) const { return !m.pinned && !in_use.count(m.sha256); }

  int EvictLocked() {
    int n = 0;
    if (o.max_age_s > 0) {
      for (const EntryMeta& m : SelectLocked("ORDER BY stored_at")) {
        if (Now() - m.stored_at <= o.max_age_s) break;
        if (!Evictable(m)) continue;
        DropLocked(m.url, m.sha256);
        ++n;
      }
    }
    const std::uint64_t high = o.high_watermark_bytes;
    if (high > 0 && DiskLocked() > high) {
      const std::uint64_t low = std::min(o.low_watermark_bytes, high);
      for (const EntryMeta& m : SelectLocked("ORDER BY last_access, stored_at")) {
        if (DiskLocked() <= low) break;
        if (!Evictable(m)) continue;
        DropLocked(m.url, m.sha256);
        ++n;
      }
    }
    evictions += n;
    return n;
  }
};

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() { sqlite3_close(impl_->db); }

std::unique_ptr<Store> Store::Open(const StoreOptions& options, std::string* error) {
  auto impl = std::make_unique<Impl>();
  impl->o = options;
  std::error_code ec;
  fs::create_directories(options.root / "objects", ec);
  if (!ec) fs::remove_all(options.root / "tmp", ec);  // fills a crash interrupted
  if (!ec) fs::create_directories(options.root / "tmp", ec);
  if (ec) {
    *error = "cache store " + options.root.string() + ": " + ec.message();
    return nullptr;
  }
  const std::string db_path = (options.root / "index.db").string();
  if (sqlite3_open(db_path.c_str(), &impl->db) != SQLITE_OK ||
      sqlite3_exec(impl->db,
                   "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                   "CREATE TABLE IF NOT EXISTS entries(url TEXT PRIMARY KEY, sha256 TEXT NOT NULL,"
                   " size INTEGER, etag TEXT, last_modified TEXT, content_type TEXT,"
                   " stored_at INTEGER, fresh_until INTEGER, last_access INTEGER, pinned INTEGER,"
                   " hits INTEGER NOT NULL DEFAULT 0);"
                   "CREATE INDEX IF NOT EXISTS by_sha ON entries(sha256);",
                   nullptr, nullptr, nullptr) != SQLITE_OK ||
      !AddHitsColumn(impl->db)) {
    *error = "cache index " + db_path + ": " + sqlite3_errmsg(impl->db);
    sqlite3_close(impl->db);
    return nullptr;
  }
  // Rows whose file is gone, and files no row names (a crash between rename and insert).
  std::set<std::string> named;
  for (const EntryMeta& m : impl->SelectLocked("")) {
    std::error_code e;
    if (fs::file_size(impl->Object(m.sha256), e) != m.size || e) {
      impl->DropLocked(m.url, m.sha256);
    } else {
      named.insert(m.sha256);
    }
  }
  for (const auto& f : fs::directory_iterator(options.root / "objects", ec)) {
    if (!named.count(f.path().filename().string())) fs::remove(f.path(), ec);
  }
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

std::shared_ptr<Handle> Store::Lookup(const std::string& url) {
  EntryMeta m;
  {
    std::lock_guard lock(impl_->mu);
    Stmt q(impl_->db, (std::string("SELECT ") + kColumns + " FROM entries WHERE url=?").c_str());
    q.Text(1, url);
    if (!q.Row()) return nullptr;
    m = ReadRow(q.get());
    ++impl_->in_use[m.sha256];  // held from here: eviction skips it
  }
  auto handle = std::shared_ptr<Handle>(new Handle(this, m, -1));
  const int fd = open(impl_->Object(m.sha256).c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  bool good = fd >= 0 && fstat(fd, &st) == 0 && static_cast<std::uint64_t>(st.st_size) == m.size;
  const std::pair<std::uint64_t, std::int64_t> stamp{
      static_cast<std::uint64_t>(st.st_size),
      static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
  bool checked = false;
  if (good) {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->verified.find(m.sha256);
    checked = it != impl_->verified.end() && it->second == stamp;
  }
  if (good && !checked) good = Sha256File(fd) == m.sha256;
  handle->fd_ = fd;
  std::lock_guard lock(impl_->mu);
  if (!good) {
    ++impl_->corrupt;
    impl_->DropLocked(m.url, m.sha256);
    return nullptr;  // the handle's release runs as it goes
  }
  impl_->verified[m.sha256] = stamp;
  const std::int64_t now = impl_->Now();
  Stmt(impl_->db, "UPDATE entries SET last_access=?, hits=hits+1 WHERE url=?")
      .Int(1, now)
      .Text(2, url)
      .Done();
  handle->meta_.last_access = now;
  ++handle->meta_.hits;
  return handle;
}

bool Store::Peek(const std::string& url, EntryMeta* meta) {
  std::lock_guard lock(impl_->mu);
  Stmt q(impl_->db, (std::string("SELECT ") + kColumns + " FROM entries WHERE url=?").c_str());
  q.Text(1, url);
  if (!q.Row()) return false;
  *meta = ReadRow(q.get());
  return true;
}

Handle::~Handle() {
  if (fd_ >= 0) close(fd_);
  store_->Release(meta_.sha256);
}

void Store::Release(const std::string& sha256) {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->in_use.find(sha256);
  if (it != impl_->in_use.end() && --it->second == 0) impl_->in_use.erase(it);
}

std::unique_ptr<Fill> Store::BeginFill(std::string* error) {
  auto fill = std::unique_ptr<Fill>(new Fill());
  static std::mt19937_64 rng{std::random_device{}()};
  static std::mutex rng_mu;
  std::uint64_t r;
  {
    std::lock_guard lock(rng_mu);
    r = rng();
  }
  fill->path_ = impl_->o.root / "tmp" / ("fill-" + std::to_string(r));
  fill->fd_ = open(fill->path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fill->fd_ < 0) {
    *error = "cannot create " + fill->path_.string() + ": " + std::strerror(errno);
    return nullptr;
  }
  auto* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  fill->sha_ = ctx;
  return fill;
}

Fill::~Fill() {
  if (fd_ >= 0) close(fd_);
  if (!committed_) {
    std::error_code ec;
    fs::remove(path_, ec);
  }
  EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(sha_));
}

bool Fill::Write(const char* data, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = pwrite(fd_, data + done, size - done, static_cast<off_t>(written_ + done));
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(sha_), data, size);
  written_ += size;
  return true;
}

bool Store::Commit(std::unique_ptr<Fill> fill, EntryMeta meta, std::string* error) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(fill->sha_), d, &len);
  meta.sha256 = Hex(d, len);
  meta.size = fill->written_;
  if (fdatasync(fill->fd_) != 0) {
    *error = std::string("fdatasync: ") + std::strerror(errno);
    return false;
  }
  std::lock_guard lock(impl_->mu);
  std::error_code ec;
  const fs::path target = impl_->Object(meta.sha256);
  if (fs::exists(target, ec)) {
    fs::remove(fill->path_, ec);  // same content already held
  } else {
    fs::rename(fill->path_, target, ec);
  }
  if (ec) {
    *error = "cannot publish " + target.string() + ": " + ec.message();
    return false;
  }
  fill->committed_ = true;
  Stmt q(impl_->db, "SELECT sha256 FROM entries WHERE url=?");
  q.Text(1, meta.url);
  const std::string old_sha = q.Row() ? Col(q.get(), 0) : "";
  meta.last_access = meta.stored_at = impl_->Now();
  Stmt ins(impl_->db, "INSERT OR REPLACE INTO entries VALUES(?,?,?,?,?,?,?,?,?,?,0)");
  ins.Text(1, meta.url).Text(2, meta.sha256).Int(3, static_cast<std::int64_t>(meta.size));
  ins.Text(4, meta.etag).Text(5, meta.last_modified).Text(6, meta.content_type);
  ins.Int(7, meta.stored_at).Int(8, meta.fresh_until).Int(9, meta.last_access);
  ins.Int(10, meta.pinned ? 1 : 0);
  if (!ins.Done()) {
    *error = std::string("cache index: ") + sqlite3_errmsg(impl_->db);
    return false;
  }
  if (!old_sha.empty() && old_sha != meta.sha256) {
    Stmt r(impl_->db, "SELECT 1 FROM entries WHERE sha256=? LIMIT 1");
    r.Text(1, old_sha);
    if (!r.Row() && !impl_->in_use.count(old_sha)) fs::remove(impl_->Object(old_sha), ec);
  }
  impl_->EvictLocked();
  return true;
}

bool Store::Refresh(const std::string& url, std::int64_t fresh_until, const std::string& etag,
                    const std::string& last_modified) {
  std::lock_guard lock(impl_->mu);
  Stmt u(impl_->db,
         "UPDATE entries SET fresh_until=?, stored_at=?, etag=CASE WHEN ?='' THEN etag ELSE ? END,"
         " last_modified=CASE WHEN ?='' THEN last_modified ELSE ? END WHERE url=?");
  u.Int(1, fresh_until).Int(2, impl_->Now()).Text(3, etag).Text(4, etag);
  u.Text(5, last_modified).Text(6, last_modified).Text(7, url);
  return u.Done() && sqlite3_changes(impl_->db) == 1;
}

bool Store::Pin(const std::string& url, bool pinned) {
  std::lock_guard lock(impl_->mu);
  Stmt u(impl_->db, "UPDATE entries SET pinned=? WHERE url=?");
  u.Int(1, pinned ? 1 : 0).Text(2, url);
  return u.Done() && sqlite3_changes(impl_->db) == 1;
}

bool Store::Remove(const std::string& url) {
  std::lock_guard lock(impl_->mu);
  Stmt q(impl_->db, "SELECT sha256 FROM entries WHERE url=?");
  q.Text(1, url);
  if (!q.Row()) return false;
  impl_->DropLocked(url, Col(q.get(), 0));
  return true;
}

int Store::Evict() {
  std::lock_guard lock(impl_->mu);
  return impl_->EvictLocked();
}

std::vector<EntryMeta> Store::List() {
  std::lock_guard lock(impl_->mu);
  return impl_->SelectLocked("ORDER BY last_access DESC");
}

StoreCounters Store::Counters() {
  std::lock_guard lock(impl_->mu);
  StoreCounters c;
  c.disk_bytes = impl_->DiskLocked();
  Stmt q(impl_->db, "SELECT COUNT(*) FROM entries");
  c.entries = q.Row() ? static_cast<std::uint64_t>(sqlite3_column_int64(q.get(), 0)) : 0;
  c.evictions = impl_->evictions;
  c.corrupt = impl_->corrupt;
  return c;
}

}  // namespace shoal::cache
