// The cache node's store: content files named by their SHA-256 under root/objects, a URL index
// (SQLite, root/index.db) with validators, freshness, size and last access, fills written to
// root/tmp and published by rename once complete and hashed, eviction (watermarks, maximum age,
// least recently used first, pinned and in-use content kept). Thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace shoal::cache {

struct StoreOptions {
  std::filesystem::path root;
  // Eviction starts when the content exceeds `high` bytes and stops at or below `low`
  // (0 = no size limit; low above high is clamped to high).
  std::uint64_t high_watermark_bytes = 0;
  std::uint64_t low_watermark_bytes = 0;
  std::int64_t max_age_s = 0;         // entries stored longer ago than this are evicted (0 = never)
  std::function<std::int64_t()> now;  // unix seconds; the system clock when empty
};

// What the index holds about one URL.
struct EntryMeta {
  std::string url;
  std::string sha256;  // lowercase hex of the content
  std::uint64_t size = 0;
  std::string etag, last_modified, content_type;
  std::int64_t stored_at = 0;    // stored or last revalidated, unix s
  std::int64_t fresh_until = 0;  // fresh until then, unix s (RFC 9111 freshness lifetime)
  std::int64_t last_access = 0;
  bool pinned = false;
  std::uint64_t hits = 0;  // lookups that found it (served, revalidated, its metainfo asked)
};

class Store;

// An entry opened for reading: its fd stays valid and its content is never evicted while
// the handle lives. Thread-safe (pread only).
class Handle {
 public:
  ~Handle();
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  const EntryMeta& meta() const { return meta_; }
  int fd() const { return fd_; }

 private:
  friend class Store;
  Handle(Store* store, EntryMeta meta, int fd) : store_(store), meta_(std::move(meta)), fd_(fd) {}
  Store* store_;
  EntryMeta meta_;
  int fd_;
};

// A fill in progress: a temp file written in order, hashed as it grows. Readers may pread
// fd() up to the bytes written so far, before and after Commit. Thread-compatible writer.
class Fill {
 public:
  ~Fill();  // an uncommitted fill's temp file is deleted
  Fill(const Fill&) = delete;
  Fill& operator=(const Fill&) = delete;
  bool Write(const char* data, std::size_t size);  // false: disk error
  std::uint64_t written() const { return written_; }
  int fd() const { return fd_; }

 private:
  friend class Store;
  Fill() = default;
  std::filesystem::path path_;
  int fd_ = -1;
  std::uint64_t written_ = 0;
  void* sha_ = nullptr;  // EVP_MD_CTX
  bool committed_ = false;
};

struct StoreCounters {
  std::uint64_t disk_bytes = 0;  // committed content (each distinct file once)
  std::uint64_t entries = 0;
  std::uint64_t evictions = 0;  // entries removed by eviction since start
  std::uint64_t corrupt = 0;    // entries dropped because their file failed its hash
};

class Store {
 public:
  // Creates root if needed, deletes leftover temp files and objects no entry names, drops
  // entries whose file is missing. Null with *error when the root or index cannot be used.
  static std::unique_ptr<Store> Open(const StoreOptions& options, std::string* error);
  ~Store();

  // The entry for `url`, its file checked against its SHA-256 (once per process while the
  // file's size and mtime stay the same). A file that fails the check is dropped with its
  // entry and null returned, as for a missing entry. Updates last access.
  std::shared_ptr<Handle> Lookup(const std::string& url);
  // The entry's metadata without opening or checking it (false: none).
  bool Peek(const std::string& url, EntryMeta* meta);

  std::unique_ptr<Fill> BeginFill(std::string* error);
  // Publishes a complete fill as `meta.url` (sha256 and size are set from the fill), replacing
  // an older entry, then evicts if over the high watermark.
  bool Commit(std::unique_ptr<Fill> fill, EntryMeta meta, std::string* error);
  // After a 304: new freshness and validators for an entry.
  bool Refresh(const std::string& url, std::int64_t fresh_until, const std::string& etag,
               const std::string& last_modified);
  bool Pin(const std::string& url, bool pinned);
  bool Remove(const std::string& url);
  // Runs eviction now (also run by Commit); returns the entries evicted.
  int Evict();
  std::vector<EntryMeta> List();
  StoreCounters Counters();

 private:
  friend class Handle;
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  void Release(const std::string& sha256);
  std::unique_ptr<Impl> impl_;
};

// Lowercase hex SHA-256 of a file's content ("" when it cannot be read).
std::string Sha256File(int fd);

}  // namespace shoal::cache
