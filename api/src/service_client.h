// ServiceClient: one keep-alive HTTP/1.1 connection to shoald's socket for calls (serialised),
// reconnecting when the service went away and came back; and a one-shot call that receives
// descriptors (SCM_RIGHTS) before its reply. When the service cannot be reached, or the
// connection breaks mid-call, calls return DO_E_NO_SERVICE (0x80D01001): transient, the next
// call tries again. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/src/fd_stream.h"
#include "api/src/wire.h"
#include "engine/hresult.h"

namespace shoal::api {

inline constexpr hr::HResult kNoService = hr::kDoENoService;

class ServiceClient {
 public:
  explicit ServiceClient(std::string socket_path, int timeout_ms = 300'000);

  const std::string& socket_path() const { return socket_; }

  // Sends `method target` with `body` (none when null). Returns the reply's HRESULT (its
  // "hresult"), with the reply in *reply and its "message" in *message; kNoService when the
  // service is unreachable.
  hr::HResult Call(const std::string& method, const std::string& target, const wire::Json& body,
                   wire::Json* reply, std::string* message = nullptr);

  // POST `target` on a connection of its own, receiving the descriptors the service sends
  // before its reply (the caller closes them).
  hr::HResult CallForFds(const std::string& target, wire::Json* reply, std::vector<int>* fds,
                         std::string* message = nullptr);

 private:
  hr::HResult Exchange(FdStream& stream, const std::string& request, const std::string& prefix,
                       wire::Json* reply, std::string* message);

  const std::string socket_;
  const int timeout_ms_;
  std::mutex mu_;
  std::unique_ptr<FdStream> conn_;  // guarded by mu_
};

// The request text of `method target` with a JSON body (or none).
std::string RequestText(const std::string& method, const std::string& target,
                        const wire::Json& body);

}  // namespace shoal::api
