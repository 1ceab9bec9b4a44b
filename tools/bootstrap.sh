#!/usr/bin/env bash
# Installs exactly the Debian 12 packages shoal's build, tests, demo and benchmarks need.
# Idempotent: when every package is already installed it does nothing (no network).
set -euo pipefail

packages=(
  cmake ninja-build g++ make pkg-config git
  libtorrent-rasterbar-dev libboost-dev libssl-dev   # the swarm (libtorrent 2.0.8, Boost 1.74, OpenSSL 3)
  libcurl4-openssl-dev                               # HTTP: sidecars, CDN pieces, plain-HTTP content
  libsqlite3-dev                                     # the durable job store (jobs.db)
  nlohmann-json3-dev libcli11-dev                    # CLI: JSON output, argument parsing
  libgtest-dev libgmock-dev libbenchmark-dev         # tests and benchmarks
  aria2 mktorrent curl wget                           # real peers and clients for interop checks and benchmarks
  openssl                                            # `openssl s_server` for the TLS tests
  opentracker                                        # the LAN tracker of `shoal sim` (whitelist mode)
  nginx-light                                        # the reference plain-HTTP origin of http_bench
  apt-utils                                          # apt-ftparchive: the apt method test's repository
  apt-cacher-ng                                      # the caching proxy apt_fleet_bench compares the shoal cache node with
  dpkg-dev file man-db                               # make package (dpkg-shlibdeps) and its smoke test (man -w)
  iproute2                                           # ip(8), tc(8): the download-mode test's namespace, `shoal sim`'s emulated site
  clang libclang-rt-14-dev                           # `make fuzz`: libFuzzer and the sanitizer runtimes
  systemd libsystemd-dev                             # shoald: sd_notify, socket activation; `systemd-analyze verify` of its units
  prometheus-cpp-dev                                 # shoald's metrics: registry and text exposition
  libavahi-client-dev                                # DNS-SD of cache nodes (mDNS through avahi-daemon)
  avahi-daemon dbus-daemon                           # the DNS-SD test's daemons, one D-Bus bus and avahi-daemon per namespace
  chromium                                           # the cache node's status page in a real browser (--headless)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "bootstrap: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
