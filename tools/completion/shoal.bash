# bash completion for shoal(1): its subcommands, each one's flags, and file or directory names
# where an argument is one. Installed as share/bash-completion/completions/shoal; needs only
# bash (not the bash-completion helpers). Keep in step with tools/shoal/main.cc.

_shoal() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
  local cmd="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      get | make-metainfo | seed | config | status | demo | sim | jobs | cancel | suspend | \
        resume | complete | wait | daemon)
        cmd=${COMP_WORDS[i]}
        break
        ;;
    esac
  done
  COMPREPLY=()
  if [[ -z $cmd ]]; then
    mapfile -t COMPREPLY < <(compgen -W "get make-metainfo seed config status demo sim jobs \
      cancel suspend resume complete wait daemon --version --help -h" -- "$cur")
    return 0
  fi

  local settings="--config --no-config --set"
  local net="--listen --peer --tracker --lsd $settings" flags
  case $cmd in
    get) flags="-o --output --torrent --sha256 --http-only --retry-delay --no-progress-timeout
                $net --no-http --background --data-dir -c --continue --seed --json
                --progress-jsonl --http-delay --max-download-kbps --max-upload-kbps --service
                --cache-host --cache-public-key
                --standalone --detach" ;;
    make-metainfo) flags="--web-seed --tracker --piece-kib --v2-only --v1 -o --output" ;;
    seed) flags="--dir $net" ;;
    config) flags="--json $settings" ;;
    status) flags="--json" ;;
    demo) flags="--peers --size-mib --cdn-mib-s --seed-peer" ;;
    sim) flags="--out --keep --no-baselines" ;;
    jobs) flags="--all-users --json" ;;
    cancel | suspend | resume | complete | wait) flags="--json" ;;
    daemon) flags="--user --system --socket --state-dir --cache-dir --idle-timeout
                   --max-connections $net --version" ;;
  esac

  case $prev in
    -o | --output | --torrent | --config | --cache-public-key)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      return 0
      ;;
    --data-dir | --dir | --out | --state-dir | --cache-dir)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -d -- "$cur")
      return 0
      ;;
    --sha256 | --retry-delay | --no-progress-timeout | --listen | --peer | --tracker | \
      --http-delay | --max-download-kbps | --max-upload-kbps | --web-seed | --piece-kib | \
      --cache-host | \
      --peers | --size-mib | --cdn-mib-s | --set | --socket | --idle-timeout | --max-connections)
      return 0  # a value to type: nothing to offer
      ;;
  esac

  if [[ $cur == -* || $cmd == status || $cmd == config || $cmd == demo || $cmd == get ||
    $cmd == jobs || $cmd == cancel || $cmd == suspend || $cmd == resume || $cmd == complete ||
    $cmd == wait || $cmd == daemon ]]; then
    # get's positional argument is a URL: offer its flags rather than local files.
    mapfile -t COMPREPLY < <(compgen -W "$flags -h --help" -- "$cur")
  else
    # make-metainfo FILE, seed FILE.torrent, sim SCENARIO.json
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  fi
  return 0
}
complete -F _shoal shoal
