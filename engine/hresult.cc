#include "engine/hresult.h"

#include <cerrno>
#include <cstdio>

namespace shoal::hr {
namespace {

class HResultCategory : public std::error_category {
 public:
  const char* name() const noexcept override { return "hresult"; }
  std::string message(int v) const override {
    std::string text = Describe(v);
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%08X", static_cast<unsigned>(v));
    return text.empty() ? std::string(hex) : text + " (" + hex + ")";
  }
};

// RFC 9110 reason phrases of the statuses a CDN is likely to send.
const char* ReasonPhrase(unsigned status) {
  switch (status) {
    case 300: return "Multiple Choices";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 410: return "Gone";
    case 416: return "Range Not Satisfiable";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return nullptr;
  }
}

}  // namespace

const std::error_category& Category() {
  static const HResultCategory category;
  return category;
}

std::string Describe(HResult h) {
  switch (static_cast<std::uint32_t>(h)) {
    case 0x00000000: return "The operation completed successfully.";
    case 0x00000001: return "The operation completed with a false result.";
    case 0x80004001: return "Not implemented.";
    case 0x80004002: return "No such interface supported.";
    case 0x80004003: return "Invalid pointer.";
    case 0x80004005: return "Unspecified error.";
    case 0x8000FFFF: return "Catastrophic failure.";
    case 0x80070002: return "The system cannot find the file specified.";
    case 0x80070003: return "The system cannot find the path specified.";
    case 0x80070005: return "Access is denied.";
    case 0x8007000D: return "The data is invalid.";
    case 0x8007000E: return "Not enough memory resources are available.";
    case 0x80070057: return "The parameter is incorrect.";
    case 0x80070070: return "There is not enough space on the disk.";
    case 0x800700B7: return "Cannot create a file when that file already exists.";
    case 0x80070490: return "Element not found.";
    case 0x80072EE2: return "The operation timed out.";
    case 0x80072EE7: return "The server name or address could not be resolved.";
    case 0x80072EFD: return "A connection with the server could not be established.";
    case 0x80072EFE: return "The connection with the server was terminated abnormally.";
    case 0x80072EFF: return "The connection with the server was reset.";
    case 0x80072F08: return "The server redirected an HTTPS request to an HTTP URL, which is refused.";
    case 0x80072F0D: return "The server's certificate is not trusted.";
    case 0x80072F78: return "The server returned an invalid or unrecognized response.";
    case 0x80072F7C: return "The redirection failed: too many redirects, a loop, or an unsupported scheme.";
    case 0x80072F8F: return "A security error occurred while establishing the TLS connection.";
    case 0x00200017: return "Only some of the files in the job were transferred.";
    case 0x0020001A: return "Some of the temporary files could not be deleted.";
    case 0x80200001: return "The requested job was not found.";
    case 0x80200002: return "The requested action is not allowed in the current job state.";
    case 0x80200003: return "There are no files attached to this job.";
    case 0x80200004: return "No file is available because no URL generated an error.";
    case 0x80200005: return "No protocol is available because no URL generated an error.";
    case 0x8020000F: return "No errors have occurred.";
    case 0x80200012: return "The server does not support the necessary HTTP protocol.";
    case 0x80200013: return "The server does not support range requests.";
    case 0x80200014: return "The remote file is not supported.";
    case 0x80200021: return "The string is too long.";
    case 0x80200049: return "The job count for the user has exceeded the limit.";
    case 0x80200051: return "The number of files in the job exceeds the limit.";
    case 0x80200053: return "The downloaded content failed validation.";
    case 0x80D01001: return "Delivery Optimization service is not running.";
    case 0x80D02002: return "The download made no progress within the timeout.";
    case 0x80D02003: return "The job was not found.";
    case 0x80D02004: return "The job has no files.";
    case 0x80D02010: return "The file is not available.";
    case 0x80D02013: return "The operation is not allowed in the current state.";
    case 0x80D02014: return "No error information is available.";
    case 0x80D05011: return "The server does not support range requests.";
    case 0x80D06802: return "A fatal error occurred in the delivery engine.";
    default: break;
  }
  std::uint32_t u = static_cast<std::uint32_t>(h);
  if ((u & 0xFFFF0000u) == 0x80190000u) {
    const unsigned status = u & 0xFFFFu;
    const char* reason = ReasonPhrase(status);
    std::string text = "The server returned HTTP status " + std::to_string(status);
    if (reason != nullptr) text += std::string(" (") + reason + ")";
    if (status >= 500 || status == 408 || status == 429) {
      text += "; this is usually temporary";
    } else if (status >= 400) {
      text += "; retrying the same request will not help";
    }
    return text + ".";
  }
  return {};
}

HResult FromErrno(int err) {
  switch (err) {
    case 0: return kOk;
    case ENOENT: return kPathNotFound;
    case ENOTDIR: return kPathNotFound;
    case EACCES:
    case EPERM:
    case EROFS: return kAccessDenied;
    case ENOSPC:
    case EDQUOT: return kDiskFull;
    case EEXIST: return kAlreadyExists;
    case ENOMEM: return kOutOfMemory;
    case EINVAL: return kInvalidArg;
    default: return kFail;
  }
}

}  // namespace shoal::hr
