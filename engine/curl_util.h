// What the engine's two libcurl users share: one-time global init, the mapping of curl errors
// to the HRESULTs BITS reports (and whether BITS retries them), and the TLS/redirect options
// every handle gets. Internal to engine/. Thread-safe (pure functions; init is once-only).
#pragma once

#include <curl/curl.h>

#include <string>

#include "engine/hresult.h"

namespace shoal::engine {

void CurlGlobalInit();

struct CurlError {
  hr::HResult code;
  bool transient;  // connection, DNS, timeout, truncation: BITS retries these
};
// `https_origin`: the first URL was https, so a refused redirect means HTTPS -> HTTP.
CurlError FromCurl(CURLcode c, bool https_origin);

// TLS verified against the system store plus `ca_file` (if any); redirects bounded by
// `max_redirects`, and an https URL may only redirect to https.
void SetSecureDefaults(CURL* curl, const std::string& url, const std::string& ca_file,
                       long max_redirects);

}  // namespace shoal::engine
