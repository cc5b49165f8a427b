#!/usr/bin/env bash
# Installs what building and testing loadgate needs on Debian 12. Idempotent:
# only missing packages are installed. As root it runs apt-get; otherwise it
# prints the exact command to run and fails.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config clang-format ccache
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libyaml-cpp-dev libssl-dev libevent-dev
  libsqlite3-dev libmongoc-dev
  podman runc podman-compose debootstrap curl chromium
  nginx-light wrk python3
  clang-14 libclang-rt-14-dev llvm-14
  # Real Prometheus and Pushgateway for the tests of /metrics (promtool
  # comes with prometheus).
  prometheus prometheus-pushgateway
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

# Node.js drives the LLM SDK integration tests. Any node/npm on PATH will do
# (some images ship NodeSource's, which conflicts with Debian's npm).
if ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

# The SDKs themselves come from the npm registry, pinned by
# tests/node/package-lock.json, and so does the Kubernetes schema the
# manifests are validated against (tests/kubernetes/package-lock.json);
# each installed once, when its node_modules is missing.
install_node_packages() {
  local root dir
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  for dir in "$root/tests/node" "$root/tests/kubernetes"; do
    [[ -f "$dir/package.json" && ! -d "$dir/node_modules" ]] || continue
    echo "loadgate: installing the npm packages of the tests in $dir" >&2
    if [[ -f "$dir/package-lock.json" ]]; then
      (cd "$dir" && npm ci --no-audit --no-fund)
    else
      (cd "$dir" && npm install --no-audit --no-fund)
    fi
  done
}

if ((${#missing[@]} == 0)); then
  install_node_packages
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "loadgate: missing packages: ${missing[*]}" >&2
  echo "run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "loadgate: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
install_node_packages
