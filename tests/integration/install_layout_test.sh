#!/usr/bin/env bash
# The install as the .deb lays it out (prefix /usr, into a scratch DESTDIR) against what uses
# it: ExecStart= of each shoald unit names an installed executable, every method path of the
# apt snippet (packaging/apt/50shoal.conf) is an installed executable, and every /usr or /etc
# path the README's three-line fleet setup names is installed (or, under /etc, written by the
# setup itself), the setup being three command lines.
# Usage: install_layout_test.sh BUILD_DIR README
set -uo pipefail
build=$1
readme=$2
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail=0
bad() {
  echo "FAIL: $*"
  fail=1
}

DESTDIR=$d cmake --install "$build" --prefix /usr >"$d.log" 2>&1 || {
  cat "$d.log"
  rm -f "$d.log"
  echo "FAIL: cmake --install"
  exit 1
}
rm -f "$d.log"

for unit in "$d"/usr/lib/systemd/system/shoald.service "$d"/usr/lib/systemd/user/shoald.service; do
  [ -f "$unit" ] || { bad "$unit is not installed"; continue; }
  exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
  [ -x "$d$exe" ] || bad "${unit#"$d"}: ExecStart=$exe is not installed"
done
[ -f "$d/usr/lib/systemd/system/shoald.socket" ] || bad "shoald.socket is not installed"

snippet=$d/usr/share/doc/shoal/examples/50shoal.conf
if [ ! -f "$snippet" ]; then
  bad "the apt snippet ${snippet#"$d"} is not installed"
else
  methods=$(grep -o '"/[^"]*"' "$snippet" | tr -d '"')
  [ -n "$methods" ] || bad "the apt snippet names no method"
  for m in $methods; do
    [ -x "$d$m" ] || bad "the apt snippet names $m, which is not installed (or not executable)"
  done
fi

# The README's fleet setup: the fenced block after its "three lines" heading.
block=$(awk '/^### .*three lines/ {h = 1; next} h && /^```/ {if (in_block) exit; in_block = 1; next}
             in_block {print}' "$readme")
lines=$(printf '%s\n' "$block" | grep -cv '^\s*$')
[ "$lines" = 3 ] || bad "the README's fleet setup has $lines command lines, not 3:"$'\n'"$block"
for p in $(printf '%s\n' "$block" | sed 's/#.*//' | grep -o '/\(usr\|etc\)/[^ "'"'"';&|)]*'); do
  case "$p" in
    # A here-string, not a pipe: with pipefail, grep -q leaving early can fail printf (SIGPIPE).
    /etc/*) grep -qE "(tee|install|cp)[^|]* $p( |$)" <<<"$block" ||
              bad "the README's setup uses $p but does not write it" ;;
    *) [ -e "$d$p" ] || bad "the README's setup names $p, which the install does not have" ;;
  esac
done
for unit in $(printf '%s\n' "$block" | grep -o 'shoald\.\(socket\|service\)'); do
  [ -f "$d/usr/lib/systemd/system/$unit" ] || bad "the README's setup enables $unit: not installed"
done
[ $fail -eq 0 ] && echo "ok: units, apt snippet and the README's fleet setup match the install"
exit $fail
