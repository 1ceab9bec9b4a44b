#!/usr/bin/env bash
# Runs every libFuzzer target built in BUILD/tests/fuzz for SECONDS each, on its seed corpus
# tests/fuzz/corpus/NAME (only read) with tests/fuzz/NAME.dict when there is one. New inputs
# and findings go to OUT/NAME/ (scratch, default BUILD/fuzz-out), never into the repository.
# Prints one line per target; exits 1 when any target found something (a crash, a sanitizer
# report, a leak, a timeout or running out of memory).
#   usage: tests/fuzz/run.sh BUILD SECONDS [OUT]
set -uo pipefail
build=${1:?usage: run.sh BUILD SECONDS [OUT]}
seconds=${2:?usage: run.sh BUILD SECONDS [OUT]}
out=${3:-$build/fuzz-out}
src=$(cd "$(dirname "$0")" && pwd)
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

shopt -s nullglob
targets=("$build"/tests/fuzz/*_fuzz)
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz: no targets in $build/tests/fuzz (build them with --target shoal_fuzz)" >&2
  exit 1
fi
failed=0
for bin in "${targets[@]}"; do
  name=$(basename "$bin")
  dir="$out/$name"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$dir/artifacts/")
  [ -f "$src/$name.dict" ] && args+=(-dict="$src/$name.dict")
  seeds=()
  [ -d "$src/corpus/$name" ] && seeds=("$src/corpus/$name")
  "$bin" "${args[@]}" "$dir/corpus" "${seeds[@]}" >"$dir/log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$dir/log" | tail -1 | cut -d' ' -f2)
  corpus=$(find "$dir/corpus" -type f | wc -l)
  finds=("$dir"/artifacts/*)
  if [ $rc -ne 0 ] || [ ${#finds[@]} -gt 0 ]; then
    failed=1
    echo "fuzz: $name: FOUND (exit $rc) after ${runs:-?} runs: ${finds[*]:-no artifact}; log $dir/log"
    grep -m1 -A12 -E '^==[0-9]+==ERROR|runtime error|deadly signal|ERROR: libFuzzer' "$dir/log" || true
  else
    echo "fuzz: $name: ${runs:-?} runs in ${seconds} s (${speed:-?}/s), cov ${cov:-?}," \
         "$corpus new inputs, no findings"
  fi
done
exit $failed
