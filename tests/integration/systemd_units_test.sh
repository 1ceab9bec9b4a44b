#!/usr/bin/env bash
# Checks shoal's systemd units (packaging/systemd) with `systemd-analyze verify`, which needs no
# running systemd. verify exits 0 on unknown keys and bad values ("..., ignoring"), so any line
# it prints about the units fails the test too.
# Usage: systemd_units_test.sh SRC_DIR SHOALD [BREAK]
#   SRC_DIR  packaging/systemd;  SHOALD  the shoald binary ExecStart= is pointed at (a stub
#   is made when the path does not exist yet);  BREAK  unknown-key | bad-value |
#   missing-binary: damages the units first, to prove this test fails on a broken unit.
set -uo pipefail
src=$1
shoald=$2
break_mode=${3:-}

analyze=$(command -v systemd-analyze) || {
  echo "systemd-analyze not found: install the systemd package (tools/bootstrap.sh)" >&2
  exit 1
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/system" "$work/user" "$work/bin" "$work/runtime"
chmod 700 "$work/runtime"
bindir=$(dirname "$shoald")
if [ ! -x "$shoald" ]; then
  printf '#!/bin/sh\nexit 0\n' >"$work/bin/shoald"
  chmod +x "$work/bin/shoald"
  bindir=$work/bin
  echo "note: $shoald not built; ExecStart checked against a stub"
fi
for kind in system user; do
  from=$src
  [ "$kind" = user ] && from=$src/user
  sed "s#@SHOALD_BINDIR@#$bindir#" "$from/shoald.service.in" >"$work/$kind/shoald.service"
  cp "$from/shoald.socket" "$work/$kind/shoald.socket"
done
case "$break_mode" in
  "") ;;
  unknown-key) sed -i 's/^NoNewPrivileges=yes/NoNewPrivilege=yes/' "$work/system/shoald.service" ;;
  bad-value) sed -i 's/^Type=notify/Type=notfy/' "$work/user/shoald.service" ;;
  missing-binary) sed -i "s#^ExecStart=[^ ]*#ExecStart=$work/bin/missing#" "$work/system/shoald.service" ;;
  *) echo "unknown BREAK mode $break_mode" >&2; exit 2 ;;
esac

status=0
check() {  # check KIND ARGS...: verify, fail on a non-zero exit or any output about our units
  local kind=$1
  shift
  local out
  out=$(cd "$work/$kind" && XDG_RUNTIME_DIR=$work/runtime "$analyze" "$@" verify --man=no \
        ./shoald.socket ./shoald.service 2>&1)
  local rc=$?
  local about
  about=$(printf '%s\n' "$out" | grep -E "shoald\.(service|socket)" || true)
  if [ $rc -ne 0 ] || [ -n "$about" ]; then
    echo "FAIL: $kind units (systemd-analyze exit $rc):"
    printf '%s\n' "$out" | sed 's/^/  /'
    status=1
  else
    echo "ok: $kind units"
  fi
}
check system
check user --user
exit $status
