# The API host image: multi-stage, Debian bookworm, Release build, non-root, configured by the
# environment (see README "Configuration"). One image runs as any of the N stateless hosts.
#   docker build -t atelier-api .
#   docker run -e DATABASE_URL=postgresql://... -e REDIS_URL=redis://... -p 8080:8080 atelier-api
FROM debian:bookworm-slim AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config libpistache-dev libpqxx-dev libhiredis-dev rapidjson-dev zlib1g-dev \
      libgtest-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY cache cache
COPY sql sql
COPY src src
COPY tests tests
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release \
 && cmake --build build -j"$(nproc)" --target atelier-api atelier-etl atelier-warm atelier-gen

FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libpistache0 libpqxx-6.4 libhiredis0.14 zlib1g curl ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin atelier
COPY --from=build /src/build/src/tools/atelier-api /src/build/src/tools/atelier-etl \
     /src/build/src/tools/atelier-warm /src/build/src/tools/atelier-gen /usr/local/bin/
USER atelier
ENV ATELIER_BIND=0.0.0.0 \
    ATELIER_PORT=8080 \
    ATELIER_THREADS=8
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=2s --start-period=5s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/atelier-api"]
