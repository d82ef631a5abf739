# syntax=docker/dockerfile:1
# Build: the same Make targets as a developer machine, on Debian 12.
FROM debian:bookworm AS build
WORKDIR /src
COPY deploy/install-deps.sh deploy/install-deps.sh
RUN deploy/install-deps.sh build && rm -rf /var/lib/apt/lists/*
COPY . .
RUN make build BUILD_DIR=build/release CMAKE_ARGS=-DSTITCH_MARCH=haswell \
 && strip build/release/daemon/stitchd build/release/daemon/stitch

# Runtime: the two binaries, the default config, the shared libraries they link, non-root.
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends libsimdjson14 libyaml-cpp0.7 libfmt9 \
      libspdlog1.10 libsqlite3-0 zlib1g libzstd1 libjemalloc2 ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/stitch --create-home stitch
COPY --from=build /src/build/release/daemon/stitchd /src/build/release/daemon/stitch /usr/local/bin/
COPY --from=build /src/config/stitch.yaml /etc/stitch/stitch.yaml
USER stitch
WORKDIR /var/lib/stitch
# 7410: ingest (TCP and UDP); 7411: HTTP API, /metrics, /healthz.
EXPOSE 7410/tcp 7410/udp 7411/tcp
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD curl -fsS http://127.0.0.1:7411/healthz || exit 1
ENTRYPOINT ["/usr/local/bin/stitchd"]
# In a container, listen beyond loopback (the default config stays loopback-only elsewhere).
CMD ["--config", "/etc/stitch/stitch.yaml", \
     "--set", "ingest.tcp.listen=0.0.0.0:7410", "--set", "ingest.udp.listen=0.0.0.0:7410", \
     "--set", "api.listen=0.0.0.0:7411"]
