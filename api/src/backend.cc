#include "api/src/backend.h"

#include <utility>

namespace shoal::api {
namespace {

// docs/api.md's limits, in characters (code points) as BITS counts them.
constexpr std::size_t kMaxDisplayNameChars = 256;
constexpr std::size_t kMaxDescriptionChars = 1024;
constexpr std::size_t kMaxProxyListChars = 32767;
constexpr std::uint32_t kMinRetryDelayS = 5;
// Every flag IBackgroundCopyJob::SetNotifyFlags documents: JOB_TRANSFERRED | JOB_ERROR |
// DISABLE | JOB_MODIFICATION | FILE_TRANSFERRED | FILE_RANGES_TRANSFERRED.
constexpr std::uint32_t kSupportedNotifyFlags = 0x3F;
constexpr std::int32_t kProxyUsageOverride = 2;
// IBackgroundCopyJob2::SetNotifyCmdLine: MAX_PATH and 4,000 characters.
constexpr std::size_t kMaxNotifyProgramChars = 260;
constexpr std::size_t kMaxNotifyParametersChars = 4000;
// IBackgroundCopyJobHttpOptions::SetCustomHeaders: 16,384 characters with the terminator.
constexpr std::size_t kMaxCustomHeadersChars = 16383;
constexpr std::uint32_t kPeerCachingFlags = 0x7;  // CLIENT | SERVER | DISABLE_BRANCH_CACHE
constexpr std::uint32_t kFileAclFlags = 0xF;      // BG_COPY_FILE_ALL
constexpr std::int32_t kProxyUsageAutodetect = 3;

std::size_t CodePoints(const std::string& utf8) {
  std::size_t n = 0;
  for (const char c : utf8) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

bool Valid(const JobProperties& p) {
  if (CodePoints(p.display_name) > kMaxDisplayNameChars) return false;
  if (CodePoints(p.description) > kMaxDescriptionChars) return false;
  if (p.priority < Priority::kForeground || p.priority > Priority::kLow) return false;
  if ((p.notify_flags & ~kSupportedNotifyFlags) != 0) return false;
  if (p.minimum_retry_delay_s < kMinRetryDelayS) return false;
  if (p.proxy_usage < 0 || p.proxy_usage > kProxyUsageAutodetect) return false;
  if (p.proxy_usage != kProxyUsageOverride &&
      (!p.proxy_list.empty() || !p.proxy_bypass_list.empty())) {
    return false;
  }
  if (p.owner_uid < -1 || p.owner_uid > 0xffffffffLL) return false;
  if (CodePoints(p.notify_program) > kMaxNotifyProgramChars ||
      CodePoints(p.notify_parameters) > kMaxNotifyParametersChars ||
      (p.notify_program.empty() && !p.notify_parameters.empty())) {
    return false;
  }
  if (CodePoints(p.custom_headers) > kMaxCustomHeadersChars) return false;
  // Header lines travel to HTTP requests: no NUL, and every CR belongs to a CRLF.
  for (std::size_t i = 0; i < p.custom_headers.size(); ++i) {
    const char c = p.custom_headers[i];
    if (c == '\0') return false;
    if (c == '\r' && (i + 1 >= p.custom_headers.size() || p.custom_headers[i + 1] != '\n')) {
      return false;
    }
    if (c == '\n' && (i == 0 || p.custom_headers[i - 1] != '\r')) return false;
  }
  if ((p.peer_caching_flags & ~kPeerCachingFlags) != 0) return false;
  if ((p.file_acl_flags & ~kFileAclFlags) != 0) return false;
  if (!p.notification_clsid.empty() && p.notification_clsid.size() != 38) return false;
  return CodePoints(p.proxy_list) <= kMaxProxyListChars &&
         CodePoints(p.proxy_bypass_list) <= kMaxProxyListChars;
}

template <typename T>
void Set(const std::optional<T>& value, T* field) {
  if (value) *field = *value;
}

}  // namespace

hr::HResult ApplyPatch(const JobPropertiesPatch& patch, JobProperties* props) {
  JobProperties next = *props;
  Set(patch.display_name, &next.display_name);
  Set(patch.description, &next.description);
  Set(patch.priority, &next.priority);
  Set(patch.notify_flags, &next.notify_flags);
  Set(patch.minimum_retry_delay_s, &next.minimum_retry_delay_s);
  Set(patch.no_progress_timeout_s, &next.no_progress_timeout_s);
  Set(patch.proxy_usage, &next.proxy_usage);
  Set(patch.proxy_list, &next.proxy_list);
  Set(patch.proxy_bypass_list, &next.proxy_bypass_list);
  Set(patch.owner_uid, &next.owner_uid);
  Set(patch.notify_program, &next.notify_program);
  Set(patch.notify_parameters, &next.notify_parameters);
  Set(patch.custom_headers, &next.custom_headers);
  Set(patch.security_flags, &next.security_flags);
  Set(patch.file_acl_flags, &next.file_acl_flags);
  Set(patch.peer_caching_flags, &next.peer_caching_flags);
  Set(patch.maximum_download_time_s, &next.maximum_download_time_s);
  Set(patch.cost_flags, &next.cost_flags);
  Set(patch.notification_clsid, &next.notification_clsid);
  if (!Valid(next)) return hr::kInvalidArg;
  *props = std::move(next);
  return hr::kOk;
}

}  // namespace shoal::api
