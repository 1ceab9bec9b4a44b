// Value types shared by the engine and its callers: job identity, states, progress records.
// Plain data: thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/hresult.h"

namespace shoal::engine {

// A job's GUID, laid out as the Windows GUID struct.
struct Uuid {
  std::uint32_t data1 = 0;
  std::uint16_t data2 = 0;
  std::uint16_t data3 = 0;
  std::uint8_t data4[8] = {};

  static Uuid Random();          // version 4
  std::string ToString() const;  // {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}
  friend bool operator==(const Uuid&, const Uuid&) = default;
};

// Values equal BG_JOB_STATE.
enum class JobState : std::int32_t {
  kQueued = 0,
  kConnecting = 1,
  kTransferring = 2,
  kSuspended = 3,
  kError = 4,
  kTransientError = 5,
  kTransferred = 6,
  kAcknowledged = 7,
  kCancelled = 8,
};
const char* ToString(JobState s);
constexpr bool IsFinal(JobState s) {
  return s == JobState::kAcknowledged || s == JobState::kCancelled;
}
// QUEUED, CONNECTING, TRANSFERRING: the engine is working on the job.
constexpr bool IsActive(JobState s) {
  return s == JobState::kQueued || s == JobState::kConnecting || s == JobState::kTransferring;
}

// Values equal BG_JOB_PRIORITY.
enum class Priority : std::int32_t { kForeground = 0, kHigh = 1, kNormal = 2, kLow = 3 };

// Values equal BG_ERROR_CONTEXT.
enum class ErrorContext : std::int32_t {
  kNone = 0,
  kUnknown = 1,
  kGeneralQueueManager = 2,
  kQueueManagerNotification = 3,
  kLocalFile = 4,
  kRemoteFile = 5,
  kGeneralTransport = 6,
  kRemoteApplication = 7,
};

inline constexpr std::uint64_t kSizeUnknown = ~std::uint64_t{0};  // BG_SIZE_UNKNOWN

// BG_JOB_PROGRESS: only hash-verified bytes count.
struct JobProgress {
  std::uint64_t bytes_total = 0;
  std::uint64_t bytes_transferred = 0;
  std::uint32_t files_total = 0;
  std::uint32_t files_transferred = 0;
};

// BG_FILE_PROGRESS. `completed` is set once Complete renamed the file into place.
struct FileProgress {
  std::uint64_t bytes_total = kSizeUnknown;
  std::uint64_t bytes_transferred = 0;
  bool completed = false;
};

// Payload bytes by where they came from (Get-DeliveryOptimizationStatus' BytesFrom*), and
// uploaded to peers (BytesToLanPeers).
struct SourceBytes {
  std::uint64_t from_peers = 0;         // LAN peers (BitTorrent)
  std::uint64_t from_http = 0;          // the CDN origin (range pieces or plain HTTP)
  std::uint64_t from_cache_server = 0;  // a cache node; 0 until peers/ has one
  std::uint64_t to_peers = 0;           // uploaded to peers

  SourceBytes& operator+=(const SourceBytes& o) {
    from_peers += o.from_peers;
    from_http += o.from_http;
    from_cache_server += o.from_cache_server;
    to_peers += o.to_peers;
    return *this;
  }
  bool operator==(const SourceBytes&) const = default;
};

// What a job is doing, beside its bytes: DO's connection counts and DownloadDuration.
struct JobActivity {
  std::uint32_t peer_connections = 0;     // NumPeers / LanConnectionCount, right now
  std::uint32_t http_connections = 0;     // HttpConnectionCount: CDN/HTTP requests in flight
  std::int64_t download_duration_ns = 0;  // time spent QUEUED/CONNECTING/TRANSFERRING
};

// Engine-wide figures (Get-DeliveryOptimizationPerfSnap): every torrent the engine ever had,
// seeds included.
struct EngineStats {
  SourceBytes bytes;
  std::uint32_t peer_connections = 0;
  // Peer connections made since start: outgoing once connected, incoming once their
  // handshake named one of our torrents. Only grows (short connections count too).
  std::uint64_t peer_connections_made = 0;
  std::uint32_t torrents = 0;
  // Finished files served to peers from the cache (within DOMaxCacheAge and
  // DOAbsoluteMaxCacheSize); content given to AddSeed is not counted.
  std::uint32_t cached_files = 0;
  // Finished files that left the cache since start (DOMaxCacheAge, DOAbsoluteMaxCacheSize, or
  // their file gone), at start included. Only grows.
  std::uint64_t cache_evictions = 0;
  // Torrents whose files were found on start from resume data, and by hashing them.
  std::uint32_t checks_resumed = 0;
  std::uint32_t checks_hashed = 0;
};

// BG_JOB_TIMES as nanoseconds since the Unix epoch; 0 = not set.
struct JobTimes {
  std::int64_t creation_ns = 0;
  std::int64_t modification_ns = 0;
  std::int64_t transfer_completion_ns = 0;
};

// What a caller can set on a job (the BITS Set*/Get* pairs).
struct JobProperties {
  std::string display_name;
  std::string description;
  Priority priority = Priority::kNormal;
  std::uint32_t notify_flags = 0x3;  // BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR
  std::uint32_t minimum_retry_delay_s = 600;
  std::uint32_t no_progress_timeout_s = 1209600;
  std::int32_t proxy_usage = 0;  // BG_JOB_PROXY_USAGE_PRECONFIG
  std::string proxy_list;
  std::string proxy_bypass_list;
  // The uid of the job's owner; -1 means the user running the engine (the in-process case).
  // Set by the machine-wide service from the caller's SO_PEERCRED (decision 0010), never by a
  // client's request.
  std::int64_t owner_uid = -1;
  // IBackgroundCopyJob2::SetNotifyCmdLine: the program run (no shell) when the job enters
  // ERROR or TRANSFERRED, and its whole command line (argv[0] first); "" for none.
  std::string notify_program;
  std::string notify_parameters;
  // IBackgroundCopyJobHttpOptions::SetCustomHeaders: CRLF-terminated header lines sent with
  // every HTTP request made for the job's files; "" for none.
  std::string custom_headers;
  std::uint32_t security_flags = 0;  // IBackgroundCopyJobHttpOptions::SetSecurityFlags
  // Kept and returned as set (IBackgroundCopyJob3/4/5); the engine does not act on them
  // (docs/api.md).
  std::uint32_t file_acl_flags = 0;
  std::uint32_t peer_caching_flags = 0x3;           // BG_JOB_ENABLE_PEERCACHING_CLIENT | _SERVER
  std::uint32_t maximum_download_time_s = 7776000;  // 90 days
  std::uint32_t cost_flags = 0x800000ffu;           // BITS_JOB_TRANSFER_POLICY_ALWAYS
  std::string notification_clsid;                   // braced GUID; "" for none
};

// One file of a job. `metainfo` is a bencoded .torrent for the content; empty means "fetch the
// sidecar <remote_url>.torrent from the origin", and without one (a 4xx) fetch the URL itself
// over plain HTTP. `http_only` skips the sidecar: plain HTTP from the start. `sha256` (32 raw
// bytes, or empty) is the whole file's expected digest, checked before the file counts as
// transferred; a mismatch fails the job and the file is never exposed.
// A byte range of a file's content (BG_FILE_RANGE, DO_DOWNLOAD_RANGE). `length` kLengthToEof:
// to the end of the file.
inline constexpr std::uint64_t kLengthToEof = ~std::uint64_t{0};  // BG_LENGTH_TO_EOF
struct ByteRange {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  friend bool operator==(const ByteRange&, const ByteRange&) = default;
};

struct FileSpec {
  std::string remote_url;
  std::string local_path;
  std::string metainfo;
  bool http_only = false;
  std::string sha256;
  // The machine-wide service's client's own name for the file (decision 0010): the engine
  // writes `local_path` in the service's store; the client materialises the content here on
  // Complete. Empty in process.
  std::string client_path;
  // Only these bytes are fetched, in the caller's order; the local file holds them packed one
  // after another in that order (IBackgroundCopyJob3::AddFileWithRanges). Empty: the whole file.
  std::vector<ByteRange> ranges;
};

struct FileInfo {
  std::string remote_url;
  std::string local_path;  // the final name; the content lives at temp_path until Complete
  std::string temp_path;
  std::string client_path;        // FileSpec::client_path
  std::vector<ByteRange> ranges;  // FileSpec::ranges
};

struct JobErrorInfo {
  hr::HResult code = hr::kOk;
  ErrorContext context = ErrorContext::kNone;
  int file_index = -1;   // -1: the error concerns no single file
  std::string message;   // English, for GetErrorDescription
  std::string protocol;  // "http", "https", "bittorrent" or empty
  // ERROR because transient errors ran out of NoProgressTimeout (DO: DO_E_DOWNLOAD_NO_PROGRESS).
  bool no_progress = false;
};

enum class JobEvent { kTransferred, kError, kModification };

}  // namespace shoal::engine
