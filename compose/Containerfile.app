# The sample application, from the binary built on the host (see
# local-stack.sh for why this copies a binary rather than compiling in a
# builder stage).
#   podman build -f compose/Containerfile.app \
#     --build-arg BASE_IMAGE=localhost/loadgate-base:bookworm <dir with sample-app>
ARG BASE_IMAGE=docker.io/library/debian:bookworm-slim
FROM ${BASE_IMAGE}
RUN if ! ldconfig -p | grep -q libevent-2.1 || ! ldconfig -p | grep -q libsqlite3 \
        || ! ldconfig -p | grep -q libmongoc || ! command -v curl >/dev/null; then \
      apt-get update && apt-get install -y --no-install-recommends \
        libevent-2.1-7 libevent-pthreads-2.1-7 libevent-openssl-2.1-7 \
        libssl3 libsqlite3-0 libmongoc-1.0-0 libbson-1.0-0 curl ca-certificates \
        && rm -rf /var/lib/apt/lists/*; \
    fi
COPY sample-app /usr/local/bin/sample-app
# SQLite databases live here (a volume in compose).
RUN mkdir -p /data && chown 65534:65534 /data
USER 65534:65534
ENTRYPOINT ["/usr/local/bin/sample-app"]
CMD ["--host", "127.0.0.1", "--port", "8080", "--db", "sqlite:/data/app.db"]
