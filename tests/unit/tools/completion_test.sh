#!/usr/bin/env bash
# tools/completion/shoal.bash, sourced into bash as bash-completion would: COMP_WORDS and
# COMP_CWORD are set by hand and _shoal is called. Also checks that each subcommand's flags
# are exactly those its `--help` lists, so the completion cannot drift from the CLI.
# Usage: completion_test.sh COMPLETION_FILE SHOAL_BINARY
set -uo pipefail
completion=$(realpath "$1") shoal=$(realpath "$2")
[[ -x $shoal ]] || { echo "FAIL: no shoal binary at $2"; exit 1; }
# shellcheck source=/dev/null
source "$completion" || { echo "FAIL: cannot source $completion"; exit 1; }
[[ $(complete -p shoal) == *"-F _shoal"* ]] || { echo "FAIL: shoal has no completion"; exit 1; }

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
# complete WORD...: the candidates for the last word, sorted, one per line.
complete_words() {
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMP_LINE="$*" COMP_POINT=${#COMP_LINE}
  COMPREPLY=()
  _shoal shoal "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
  printf '%s\n' "${COMPREPLY[@]}" | sort
}
expect() {  # expect "WORDS" EXPECTED...
  local words=$1
  shift
  local got want
  got=$(eval "complete_words $words")
  want=$(printf '%s\n' "$@" | sort)
  [[ $got == "$want" ]] || fail "shoal ${words#shoal } -> [$(echo $got)], want [$(echo $want)]"
}

expect "shoal ''" --help --version -h config demo get make-metainfo seed sim status jobs cancel \
  suspend resume complete wait daemon
expect "shoal ma" make-metainfo
expect "shoal s" seed sim status suspend
expect "shoal jobs --" --all-users --help --json
expect "shoal get --no-" --no-config --no-http --no-progress-timeout
expect "shoal --version get --max" --max-download-kbps --max-upload-kbps
expect "shoal status --" --help --json
expect "shoal config --" --config --help --json --no-config --set
expect "shoal seed --l" --listen --lsd
expect "shoal get --peer ''"  # a value to type: nothing offered

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/dir.d"
touch "$scratch/file.bin" "$scratch/file.bin.torrent"
cd "$scratch" || exit 1
expect "shoal make-metainfo fi" file.bin file.bin.torrent
expect "shoal make-metainfo file.bin -o file.bin." file.bin.torrent
expect "shoal config --config file.bin." file.bin.torrent
expect "shoal seed file.bin.torrent --dir ''" dir.d
expect "shoal sim --out d" dir.d
expect "shoal get http://cdn/x --data-dir ''" dir.d

# Each subcommand's flags against its --help (CLI11 lists "-o,--output TEXT ...").
for cmd in get make-metainfo seed config status demo sim jobs cancel suspend resume complete wait; do
  from_help=$("$shoal" "$cmd" --help | grep -E '^ +-' | sed -E 's/^ +//; s/ .*//' | tr ',' '\n' |
    sort -u)
  from_completion=$(complete_words shoal "$cmd" - | sort -u)
  [[ $from_help == "$from_completion" ]] ||
    fail "shoal $cmd: completion offers [$(echo $from_completion)], --help lists [$(echo $from_help)]"
done

# The top level: its options and subcommands against `shoal --help`.
from_help=$("$shoal" --help | awk '/^Subcommands:/ { sub_ = 1; next }
  sub_ && /^  [a-z]/ { print $1 } !sub_ && /^ +-/ { print $1 }' | tr ',' '\n' | sort -u)
from_completion=$(complete_words shoal '' | sort -u)
[[ $from_help == "$from_completion" ]] ||
  fail "shoal: completion offers [$(echo $from_completion)], --help lists [$(echo $from_help)]"

if ((failures > 0)); then
  echo "$failures completion check(s) failed"
  exit 1
fi
echo "all completion checks passed"
