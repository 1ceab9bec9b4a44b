#!/usr/bin/env bash
# CallbackDispatcher.ExitWaitsForADeliveryUnderWay: the client (exit_during_callback) returns
# from main while its JobTransferred callback still sleeps; exit must wait for the callback,
# whose last line then reaches stdout, and the download must be whole (with_origin checks it).
#   exit_during_callback_test.sh WITH_ORIGIN CHILD
set -euo pipefail
out=$("$1" 300000 "$2" @URL@ @OUT@)
if ! grep -qx 'the callback returned' <<<"$out"; then
  echo "the process exited while its callback ran (stdout: '$out')" >&2
  exit 1
fi
echo "exit waited for the callback"
