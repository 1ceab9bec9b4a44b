// shoal-cache: the LAN cache node as a process of its own (shoald runs the same CacheProxy in
// its cache role). Flags only; exits 2 on a bad flag, 1 when the node cannot start.
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>

#include "cache/proxy.h"

namespace {

constexpr const char* kUsage =
    "usage: shoal-cache --root DIR [--bind ADDR] [--port N] [--high-watermark BYTES]\n"
    "                   [--low-watermark BYTES] [--max-age SECONDS] [--upstream-proxy URL]\n"
    "                   [--signing-key ED25519_PEM]\n"
    "  Serves http_proxy=http://HOST:PORT clients and /path?cacheHostOrigin=host requests\n"
    "  from a store under DIR (default port 3144; stats at /shoal/v1/stats).\n";

bool Number(const char* s, std::uint64_t* out) {
  char* end = nullptr;
  errno = 0;
  *out = std::strtoull(s, &end, 10);
  return errno == 0 && end != s && *end == '\0' && s[0] != '-';
}

}  // namespace

int main(int argc, char** argv) {
  shoal::cache::ProxyOptions o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (i + 1 >= argc) {
      std::cerr << "shoal-cache: " << flag << " needs a value\n" << kUsage;
      return 2;
    }
    const char* v = argv[++i];
    std::uint64_t n = 0;
    const bool numeric = Number(v, &n);
    if (flag == "--root") {
      o.store.root = v;
    } else if (flag == "--bind") {
      o.bind_address = v;
    } else if (flag == "--signing-key") {
      o.signing_key = v;
    } else if (flag == "--upstream-proxy") {
      o.upstream_proxy = v;
    } else if (flag == "--port" && numeric && n <= 65535) {
      o.port = static_cast<std::uint16_t>(n);
    } else if (flag == "--high-watermark" && numeric) {
      o.store.high_watermark_bytes = n;
    } else if (flag == "--low-watermark" && numeric) {
      o.store.low_watermark_bytes = n;
    } else if (flag == "--max-age" && numeric) {
      o.store.max_age_s = static_cast<std::int64_t>(n);
    } else {
      std::cerr << "shoal-cache: bad flag or value: " << flag << " " << v << "\n" << kUsage;
      return 2;
    }
  }
  if (o.store.root.empty()) {
    std::cerr << "shoal-cache: --root is required\n" << kUsage;
    return 2;
  }
  if (o.store.low_watermark_bytes == 0) {
    o.store.low_watermark_bytes = o.store.high_watermark_bytes / 4 * 3;
  }
  std::signal(SIGPIPE, SIG_IGN);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::string error;
  auto proxy = shoal::cache::CacheProxy::Start(o, &error);
  if (!proxy) {
    std::cerr << "shoal-cache: " << error << "\n";
    return 1;
  }
  std::cout << "shoal-cache: listening on " << o.bind_address << ":" << proxy->port() << std::endl;
  int sig = 0;
  sigwait(&set, &sig);
  return 0;
}
