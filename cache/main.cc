// shoal-cache: the LAN cache node as a process of its own (shoald runs the same CacheProxy in
// its cache role). Exits 2 on a bad flag, 1 when the node cannot start.
#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>
#include <string>

#include "cache/proxy.h"
#include "shoal/version.h"

int main(int argc, char** argv) {
  shoal::cache::ProxyOptions o;
  CLI::App app{
      "shoal-cache: the LAN cache node. Serves http_proxy=http://HOST:PORT clients and\n"
      "/path?cacheHostOrigin=host requests from a store under --root (stats at /shoal/v1/stats)"};
  app.set_version_flag("--version", std::string("shoal-cache ") + SHOAL_VERSION_STRING);
  std::string root;
  app.add_option("--root", root, "the store's folder")->required();
  app.add_option("--bind", o.bind_address, "the address to listen on")->capture_default_str();
  app.add_option("--port", o.port, "the port (0 = any free one)")->capture_default_str();
  app.add_option("--high-watermark", o.store.high_watermark_bytes,
                 "evict down to the low watermark above this many bytes (0 = no limit)");
  app.add_option("--low-watermark", o.store.low_watermark_bytes,
                 "where eviction stops (default: 3/4 of the high watermark)");
  app.add_option("--max-age", o.store.max_age_s,
                 "evict entries stored longer than this many seconds (0 = never)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--upstream-proxy", o.upstream_proxy, "the node's own proxy to the origins");
  app.add_option("--ca-file", o.ca_file, "CA bundle for https origins (default: the system's)");
  app.add_option("--signing-key", o.signing_key,
                 "Ed25519 private key (PEM) signing the node's metainfo (unset: no metainfo)");
  app.add_option("--allow-origin", o.origins.allowed_hosts,
                 "only fetch from hosts matching HOST, *.DOMAIN or [IPv6], with an optional "
                 ":PORT (repeatable; unset: any host)")
      ->check([](const std::string& p) { return shoal::cache::OriginPolicy::CheckPattern(p); });
  app.add_flag("--allow-local-origins", o.origins.allow_local,
               "also reach loopback, link-local and unspecified addresses (the node's own "
               "services: off unless the origin is on this machine)");
  app.add_option("--connect-port", o.connect_ports, "ports CONNECT may reach (default 443)")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help and --version exit 0, a usage error 2
  }
  o.store.root = root;
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
