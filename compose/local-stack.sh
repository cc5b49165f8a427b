#!/usr/bin/env bash
# The container stack, the CLI image and the image the .deb is checked in,
# on a machine that reaches no container registry.
#
#   compose/local-stack.sh build-base   local base image (cached)
#   compose/local-stack.sh build        + the mock-llm and app images
#   compose/local-stack.sh up           + run compose.local.yaml, wait healthy
#   compose/local-stack.sh down         stop and remove the stack
#   compose/local-stack.sh status       images and containers
#   compose/local-stack.sh build-cli    the `loadgate` CLI image (Containerfile.cli)
#   compose/local-stack.sh build-deb-check DEB
#                                       a clean bookworm holding the apt lists
#                                       and the .debs of DEB's Depends (cached)
#
# Why images copy host-built binaries instead of compiling in a builder
# stage: a builder stage needs a compiler image (gcc, cmake, -dev packages)
# from a registry, which this machine cannot reach; the binaries are built on
# this same Debian bookworm by the normal CMake build, so a bookworm runtime
# image with the shared libraries they link runs them unchanged.
#
# The base image: `podman pull debian:bookworm-slim` when a registry answers,
# otherwise debootstrap (minbase) from the host's configured Debian mirror,
# imported as localhost/loadgate-base:bookworm. The rootfs is cached under
# $LOADGATE_CACHE_DIR (default ~/.cache/loadgate) and the image is reused
# while it exists.
#
# Environment: LOADGATE_CONTAINER_CLI (podman|docker, default: podman if
# installed), LOADGATE_BIN_DIR (default <repo>/build/bin), the image names
# (LOADGATE_{BASE,APP,MOCK_LLM,CLI,DEB_CHECK}_IMAGE), APP_PORT, LLM_PORT and
# the rest of .env.example.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
cli="${LOADGATE_CONTAINER_CLI:-$(command -v podman >/dev/null && echo podman || echo docker)}"
bin_dir="${LOADGATE_BIN_DIR:-$repo/build/bin}"
cache_dir="${LOADGATE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/loadgate}"
base_image="${LOADGATE_BASE_IMAGE:-localhost/loadgate-base:bookworm}"
app_image="${LOADGATE_APP_IMAGE:-localhost/loadgate-app:latest}"
llm_image="${LOADGATE_MOCK_LLM_IMAGE:-localhost/loadgate-mock-llm:latest}"
cli_image="${LOADGATE_CLI_IMAGE:-localhost/loadgate-cli:latest}"
deb_check_image="${LOADGATE_DEB_CHECK_IMAGE:-localhost/loadgate-deb-check:bookworm}"
compose_file="$here/compose.local.yaml"
project="${LOADGATE_COMPOSE_PROJECT:-loadgate-local}"
export LOADGATE_APP_IMAGE="$app_image" LOADGATE_MOCK_LLM_IMAGE="$llm_image"
export APP_PORT="${APP_PORT:-18080}" LLM_PORT="${LLM_PORT:-18081}"
if [[ "$cli" == podman ]]; then
  export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/containers.conf}"
fi

# The runtime libraries the services link, and curl for health checks.
runtime_packages=libevent-2.1-7,libevent-pthreads-2.1-7,libevent-openssl-2.1-7,libssl3,libsqlite3-0,libmongoc-1.0-0,libbson-1.0-0,curl,ca-certificates

log() { printf '[local-stack] %s\n' "$*" >&2; }

image_exists() { "$cli" image inspect "$1" >/dev/null 2>&1; }

compose() {
  if [[ "$cli" == podman ]]; then
    # The wrapper drops the bridge options podman-compose 1.0.3 adds to
    # host-network containers (see podman-host-network.sh).
    podman-compose --podman-path "$here/podman-host-network.sh" -p "$project" -f "$compose_file" "$@"
  else
    docker compose -p "$project" -f "$compose_file" "$@"
  fi
}

# The first deb URI of the host's apt configuration (one-line or deb822).
debian_mirror() {
  local uri
  uri="$(grep -hsE '^\s*deb\s' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
           grep -v security | awk '{print $2}' | head -n1)"
  if [[ -z "$uri" ]]; then
    uri="$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources |
             grep -v security | awk '{print $2}' | head -n1)"
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

build_base() {
  if image_exists "$base_image"; then
    log "base image $base_image exists (cached)"
    return
  fi
  if [[ -z "${LOADGATE_OFFLINE:-}" ]] &&
     timeout 30 "$cli" pull -q docker.io/library/debian:bookworm-slim >/dev/null 2>&1; then
    log "registry reachable: installing runtime packages on debian:bookworm-slim"
    local ctx; ctx="$(mktemp -d)"
    printf 'FROM docker.io/library/debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends %s && rm -rf /var/lib/apt/lists/*\n' \
      "${runtime_packages//,/ }" >"$ctx/Containerfile"
    "$cli" build --network host -t "$base_image" "$ctx"
    rm -rf "$ctx"
    return
  fi
  command -v debootstrap >/dev/null || { log "debootstrap is not installed (apt-get install debootstrap)"; exit 1; }
  local rootfs="$cache_dir/rootfs-bookworm"
  if [[ ! -f "$rootfs/.complete" ]]; then
    local mirror; mirror="$(debian_mirror)"
    log "no registry: debootstrap --variant=minbase bookworm from $mirror"
    rm -rf "$rootfs"
    mkdir -p "$cache_dir"
    local started=$SECONDS
    debootstrap --variant=minbase --include="$runtime_packages" bookworm "$rootfs" "$mirror" >"$cache_dir/debootstrap.log" 2>&1 ||
      { tail -n 40 "$cache_dir/debootstrap.log" >&2; exit 1; }
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    touch "$rootfs/.complete"
    log "debootstrap took $((SECONDS - started)) s"
  fi
  log "importing $rootfs as $base_image"
  tar -C "$rootfs" --exclude=./.complete -c . | "$cli" import - "$base_image" >/dev/null
}

build_images() {
  build_base
  local missing=0
  for binary in mock-llm sample-app; do
    [[ -x "$bin_dir/$binary" ]] || { log "missing $bin_dir/$binary (build it first: cmake --build build)"; missing=1; }
  done
  ((missing == 0)) || exit 1
  # A context holding only the two binaries: the build tree is gigabytes.
  local ctx; ctx="$(mktemp -d)"
  trap 'rm -rf "$ctx"' RETURN
  cp "$bin_dir/mock-llm" "$bin_dir/sample-app" "$ctx/"
  "$cli" build --network host --build-arg "BASE_IMAGE=$base_image" \
    -f "$here/Containerfile.mock-llm" -t "$llm_image" "$ctx"
  "$cli" build --network host --build-arg "BASE_IMAGE=$base_image" \
    -f "$here/Containerfile.app" -t "$app_image" "$ctx"
}

# The CLI image from $bin_dir/loadgate, tagged $cli_image and with the
# version the binary reports.
build_cli_image() {
  build_base
  [[ -x "$bin_dir/loadgate" ]] ||
    { log "missing $bin_dir/loadgate (build it first: cmake --build build --target loadgate_cli)"; exit 1; }
  local version; version="$("$bin_dir/loadgate" --version | awk '{print $2}')"
  local ctx; ctx="$(mktemp -d)"
  trap 'rm -rf "$ctx"' RETURN
  cp "$bin_dir/loadgate" "$ctx/"
  "$cli" build --network host --build-arg "BASE_IMAGE=$base_image" \
    --build-arg "DEBIAN_MIRROR=$(debian_mirror)" \
    -f "$here/Containerfile.cli" -t "$cli_image" -t "${cli_image%:*}:$version" "$ctx"
}

# The image a .deb is installed into (Containerfile.deb-check): the package
# names of DEB's Depends (versions and alternatives after the first
# dropped) go in as a build argument, so the cached layer is reused until
# the Containerfile or the Depends change.
build_deb_check_image() {
  local deb="${1:?usage: local-stack.sh build-deb-check PATH.deb}"
  build_base
  local packages
  packages="$(dpkg-deb -f "$deb" Depends | tr ',' '\n' |
                sed -e 's/|.*//' -e 's/(.*)//' | xargs)"
  local ctx; ctx="$(mktemp -d)"
  trap 'rm -rf "$ctx"' RETURN
  "$cli" build --network host --build-arg "BASE_IMAGE=$base_image" \
    --build-arg "PACKAGES=$packages" --build-arg "DEBIAN_MIRROR=$(debian_mirror)" \
    -f "$here/Containerfile.deb-check" -t "$deb_check_image" "$ctx"
}

wait_healthy() {
  local url="$1" deadline=$((SECONDS + 60))
  until curl -fsS -o /dev/null "$url" 2>/dev/null; do
    ((SECONDS < deadline)) || { log "$url not healthy after 60 s"; compose logs >&2 || true; exit 1; }
    sleep 0.5
  done
}

case "${1:-}" in
  build-base) build_base ;;
  build) build_images ;;
  build-cli) build_cli_image ;;
  build-deb-check) build_deb_check_image "${2:-}" ;;
  up)
    image_exists "$app_image" && image_exists "$llm_image" || build_images
    compose down >/dev/null 2>&1 || true
    compose up -d
    wait_healthy "http://127.0.0.1:$LLM_PORT/health"
    wait_healthy "http://127.0.0.1:$APP_PORT/health"
    log "app http://127.0.0.1:$APP_PORT  mock LLM http://127.0.0.1:$LLM_PORT"
    ;;
  down)
    compose down
    # podman-compose creates the default network even for host-network
    # services, and `down` leaves it behind.
    [[ "$cli" != podman ]] || podman network rm -f "${project}_default" >/dev/null 2>&1 || true
    ;;
  status)
    "$cli" images --filter reference='localhost/loadgate-*'
    compose ps
    ;;
  *)
    sed -n '2,14p' "${BASH_SOURCE[0]}" >&2
    exit 2
    ;;
esac
