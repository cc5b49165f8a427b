#!/usr/bin/env bash
# `podman` for podman-compose (--podman-path): podman-compose 1.0.3 (Debian
# 12) adds "--net <project>_default --network-alias <service>" to every
# container, also to `network_mode: host` ones, and podman refuses the mix
# ("cannot set multiple networks without bridge network mode"). For a
# container that asks for the host network, drop those two options; every
# other command passes through unchanged. Newer podman-compose versions do
# not add them, so this is then a plain pass-through.
set -euo pipefail
if [[ "${1:-}" == run || "${1:-}" == create ]] && [[ " $* " == *" --network host "* ]]; then
  kept=()
  skip_value=0
  for argument in "$@"; do
    if ((skip_value)); then
      skip_value=0
      continue
    fi
    case "$argument" in
      --net | --network-alias) skip_value=1 ;;
      *) kept+=("$argument") ;;
    esac
  done
  set -- "${kept[@]}"
fi
exec podman "$@"
