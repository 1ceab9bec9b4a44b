// The local API's request handling: bytes parsed as one HTTP request by Beast with shoald's
// limits, then routed over a FakeBackend for a fuzzed uid. Nothing may crash, hang or leak;
// every request must get a JSON reply with an hresult.
#include <unistd.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "service/router.h"
#include "tests/support/fake_backend.h"

namespace {

class NoEvents final : public shoal::api::BackendEvents {
 public:
  void OnJobEvent(const shoal::api::BackendEvent&) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace http = boost::beast::http;
  static NoEvents events;
  static const std::string store = [] {
    char dir[] = "/tmp/local_api_fuzz.XXXXXX";
    return std::string(::mkdtemp(dir) != nullptr ? dir : "/tmp");
  }();
  // Fresh per input: jobs created by one input do not pile up.
  shoal::testing::FakeBackend backend(&events);
  shoal::service::Router router(backend, store, 0);
  if (size < 1) return 0;
  const std::int64_t uid = data[0] % 3 == 0 ? 0 : 1000 + data[0] % 2;
  http::request_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(1 << 20);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data + 1, size - 1), ec);
  if (ec || !parser.is_done()) return 0;
  auto& req = parser.get();
  const shoal::service::Response r =
      router.Handle({std::string(req.method_string()), std::string(req.target()), req.body(), uid});
  for (int fd : r.fds) ::close(fd);
  const auto body = shoal::api::wire::Json::parse(r.body, nullptr, false);
  if (!body.is_object() || !body.contains("hresult")) std::abort();
  return 0;
}
