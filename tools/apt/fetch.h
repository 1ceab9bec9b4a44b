// How the apt method gets one file: through a shoal job (peers first, the CDN after, the
// whole-file SHA-256 checked before the file appears), or as plain HTTP with libcurl, which is
// also the fallback whenever shoal cannot finish (so apt never fails where plain apt would
// not). Thread-safe: one call per acquire, from several threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tools/apt/method_protocol.h"

struct IBackgroundCopyManager;

namespace shoal::apt {

struct FetchOutcome {
  bool ok = false;
  bool not_modified = false;  // If-Modified-Since answered 304: the file apt has is current
  bool transient = false;     // on failure: worth a retry (apt's Transient-Failure)
  std::string fail_reason;    // apt's FailReason ("HttpError404", "ConnectionRefused"...)
  std::string message;        // for the user
  std::string last_modified;  // the origin's Last-Modified, if any
  std::string via;            // "shoal" or "http"
};

// Plain HTTP GET of req.url into req.filename (replaced), with If-Modified-Since from
// req.last_modified and Maximum-Size enforced.
FetchOutcome FetchPlain(const AcquireRequest& req);

// A shoal job for req (needs the expected SHA-256). `manager` is shared by every call.
FetchOutcome FetchWithShoal(IBackgroundCopyManager* manager, const AcquireRequest& req);

// The hashes of a file as apt reports them in 201 URI Done ("SHA256" -> hex); empty on error.
std::map<std::string, std::string> HashFile(const std::string& path, std::uint64_t* size);

}  // namespace shoal::apt
