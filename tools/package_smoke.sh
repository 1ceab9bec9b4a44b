#!/usr/bin/env bash
# Installs build/shoal_<version>_amd64.deb with apt as a user would, checks the installed shoal
# (--version, make-metainfo of a small file, its man page, its bash completion, every library
# found), then removes the package and checks nothing of it is left. Needs root; CI runs it
# after `make test` and `make package`. Usage: tools/package_smoke.sh [DEB]
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
  echo "package_smoke: FAILED: $*" >&2
  exit 1
}

if [ $# -ge 1 ]; then
  debs=("$1")
else
  debs=("${BUILD:-build}"/shoal_*_amd64.deb)
fi
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] ||
  fail "want exactly one ${BUILD:-build}/shoal_*_amd64.deb (run make package), found: ${debs[*]}"
deb=$(realpath "${debs[0]}")
version=$(dpkg-deb -f "$deb" Version)
[ "$(id -u)" -eq 0 ] || fail "needs root to install $deb"
command -v man >/dev/null || fail "man is missing (tools/bootstrap.sh installs man-db)"
if dpkg-query -W -f='${Status}' shoal 2>/dev/null | grep -q "install ok installed"; then
  fail "a shoal package is installed already; this smoke test installs and removes its own"
fi

scratch=$(mktemp -d)
cleanup() {
  rm -rf "$scratch"
  if dpkg-query -W -f='${Status}' shoal 2>/dev/null | grep -q "install ok installed"; then
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq shoal >/dev/null || true
  fi
}
trap cleanup EXIT

echo "package_smoke: installing $deb"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$deb" \
  >"$scratch/apt.log" 2>&1 || { cat "$scratch/apt.log" >&2; fail "apt-get install $deb"; }

out=$(/usr/bin/shoal --version) || fail "/usr/bin/shoal --version exited $?"
[ "$out" = "shoal $version" ] || fail "shoal --version says '$out', the package is $version"
if ldd /usr/bin/shoal | grep 'not found'; then fail "/usr/bin/shoal misses libraries"; fi

head -c 300000 /dev/urandom >"$scratch/small.bin"
/usr/bin/shoal make-metainfo "$scratch/small.bin" --web-seed http://cdn.invalid/small.bin \
  -o "$scratch/small.bin.torrent" || fail "shoal make-metainfo exited $?"
[ -s "$scratch/small.bin.torrent" ] || fail "make-metainfo wrote no .torrent"

page=$(man -w shoal) || fail "man -w shoal finds no page (is /usr/share/man excluded in /etc/dpkg/dpkg.cfg.d?)"
[ "$page" = /usr/share/man/man1/shoal.1 ] || [ "$page" = /usr/share/man/man1/shoal.1.gz ] ||
  fail "man -w shoal gives $page, not the package's page"
page=$(man -w 8 shoald) || fail "man -w 8 shoald finds no page"
case "$page" in /usr/share/man/man8/shoald.8*) ;; *) fail "man -w 8 shoald gives $page";; esac
completion=/usr/share/bash-completion/completions/shoal
[ -f "$completion" ] || fail "$completion is missing"
bash -c "source $completion && complete -p shoal" >/dev/null || fail "$completion does not load"
[ -f /usr/include/shoal/version.h ] || fail "the headers are missing"

DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq shoal >"$scratch/apt.log" 2>&1 ||
  { cat "$scratch/apt.log" >&2; fail "apt-get purge shoal"; }
for f in /usr/bin/shoal /usr/share/man/man1/shoal.1 /usr/share/man/man1/shoal.1.gz \
         /usr/share/man/man8/shoald.8 /usr/share/man/man8/shoald.8.gz "$completion"; do
  [ ! -e "$f" ] || fail "$f is still there after the package was removed"
done
if ldconfig -p | grep -q 'libshoal\.so'; then fail "libshoal is still in the loader cache"; fi
echo "package_smoke: shoal $version installed, ran, and removed cleanly"
