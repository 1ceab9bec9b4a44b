#!/usr/bin/env bash
# libshoal.so exports exactly its public API: the names api/include/shoal/*.h (and the
# generated shoal/version.h) declare with SHOAL_API. Any other exported symbol (engine
# internals, libtorrent or nlohmann templates, typeinfo) fails, and so does a public name the
# library does not export. All of them carry the version node of api/libshoal.map.
# Usage: exported_symbols_test.sh LIBSHOAL_SO HEADER_DIR...
set -uo pipefail
lib=$1
shift
headers=$(find "$@" -maxdepth 2 -name '*.h' -path '*/shoal/*')
public=$(grep -hE '^[^/#]*SHOAL_API' $headers |
  sed -E 's/.*SHOAL_API[^(;]*[ *&]([A-Za-z_][A-Za-z0-9_]*) *[(;].*/\1/' | sort -u)
[[ -n $public ]] || { echo "FAIL: no SHOAL_API declarations under $*"; exit 1; }

# "0000000000012340 T CoCreateInstance@@SHOAL_0"; the version node itself is an A symbol.
symbols=$(nm -D --defined-only "$lib" | awk '$2 != "A" { print $3 }')
count=$(wc -l <<<"$symbols")
echo "$lib exports $count symbols"
exported=$(sed -E 's/@.*//' <<<"$symbols" | c++filt |
  sed -E 's/^shoal:://; s/[[(].*//' | sort -u)
unversioned=$(grep -v '@@SHOAL_0$' <<<"$symbols")

status=0
extra=$(comm -13 <(echo "$public") <(echo "$exported"))
missing=$(comm -23 <(echo "$public") <(echo "$exported"))
if [[ -n $extra ]]; then
  echo "FAIL: exported but not public (not declared SHOAL_API in a public header):"
  head -40 <<<"$extra" | sed 's/^/  /'
  (($(wc -l <<<"$extra") > 40)) && echo "  ... and $(($(wc -l <<<"$extra") - 40)) more"
  status=1
fi
if [[ -n $missing ]]; then
  echo "FAIL: public (SHOAL_API) but not exported; add it to api/libshoal.map:"
  sed 's/^/  /' <<<"$missing"
  status=1
fi
if [[ -n $unversioned ]]; then
  echo "FAIL: exported without the SHOAL_0 version node:"
  head -10 <<<"$unversioned" | sed 's/^/  /'
  status=1
fi
((status == 0)) && echo "OK: exactly the $(wc -l <<<"$public") public names are exported"
exit $status
