# The images of the Atelier Overview Service, one target per role, all from Debian bookworm
# packages, non-root (uid 10001), configured by the environment (README "Configuration"):
#   api     one stateless API host (the default target)
#   tools   atelier-etl, atelier-warm, atelier-gen and update-data: the load, update, migrate and
#           warm-up jobs (deploy/compose.yaml, deploy/k8s)
#   nginx   the edge: nginx/nginx.conf.template rendered from the environment at start
#           (deploy/image/nginx-entrypoint)
# and, for deploy/compose.yaml on a machine without an image registry, the two stores from
# Debian's packages with the project's settings (a cluster uses managed ones, deploy/k8s):
#   postgres   PostgreSQL 15, roles atelier_loader and atelier_api made at first start
#   redis      Redis 7 with cache/redis.conf and the ACL users atelier_api and atelier_loader
# scripts/image build makes all three, tagged with the version (`git describe`), without a
# registry; by hand:
#   v=$(git describe --tags --always); podman build --target api --build-arg ATELIER_VERSION=$v \
#     --label org.opencontainers.image.version=$v -t atelier-api:$v .
ARG ATELIER_VERSION=0.1.0-unknown
ARG ATELIER_COMMIT=

FROM debian:bookworm-slim AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config libpistache-dev libpqxx-dev libhiredis-dev rapidjson-dev zlib1g-dev libdeflate-dev \
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
# The version last: a new commit with the same sources rebuilds only src/version and relinks.
ARG ATELIER_VERSION
ARG ATELIER_COMMIT
RUN cmake -S . -B build -DATELIER_VERSION="$ATELIER_VERSION" -DATELIER_COMMIT="$ATELIER_COMMIT" \
 && cmake --build build -j"$(nproc)" --target atelier-api atelier-etl atelier-warm atelier-gen

# What every role's image shares: the user, the labels. The version and revision labels are
# given to the build (`--label org.opencontainers.image.version=...`, scripts/image does): an
# ARG in a LABEL does not make podman's layer cache miss, so it kept the first build's version.
FROM debian:bookworm-slim AS runtime
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin atelier
LABEL org.opencontainers.image.vendor="Atelier" \
      org.opencontainers.image.licenses="proprietary" \
      org.opencontainers.image.source="Dockerfile" \
      org.opencontainers.image.base.name="debian:bookworm-slim"

FROM runtime AS tools
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libpqxx-6.4 libhiredis0.14 zlib1g libdeflate0 ca-certificates \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
COPY --from=build /src/build/src/tools/atelier-etl /src/build/src/tools/atelier-warm \
     /src/build/src/tools/atelier-gen /usr/local/bin/
COPY deploy/image/update-data /usr/local/bin/update-data
LABEL org.opencontainers.image.title="atelier-tools" \
      org.opencontainers.image.description="Atelier catalog jobs: atelier-etl (load, update, migrate), atelier-warm, atelier-gen, update-data"
USER atelier
WORKDIR /tmp
# A job, not a server: no HEALTHCHECK. The command says which job (deploy/compose.yaml).
CMD ["atelier-etl", "--help"]

FROM runtime AS nginx
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx-light curl \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
 && mkdir -p /run/atelier-nginx \
 && chown atelier /run/atelier-nginx
COPY nginx/nginx.conf.template /usr/local/lib/atelier/nginx/nginx.conf.template
COPY scripts/lib/nginx-conf.sh deploy/image/nginx-entrypoint /usr/local/lib/atelier/
LABEL org.opencontainers.image.title="atelier-nginx" \
      org.opencontainers.image.description="The Atelier edge: NGINX with the project's config, rendered from the environment at start"
USER atelier
ENV NGINX_LISTEN=0.0.0.0:8080 \
    NGINX_UPSTREAMS="atelier-host-0:8080 atelier-host-1:8080 atelier-host-2:8080"
EXPOSE 8080
# /healthz through NGINX: it listens and reaches a host. The port is NGINX_LISTEN's.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD curl -fsS -m 2 "http://127.0.0.1:${NGINX_LISTEN##*:}/healthz" >/dev/null || exit 1
STOPSIGNAL SIGQUIT
ENTRYPOINT ["/usr/local/lib/atelier/nginx-entrypoint"]

FROM runtime AS postgres
# The package's postgres user gets a fixed uid first, so volume ownership is predictable.
RUN useradd --system --uid 10002 --home-dir /var/lib/postgresql --shell /bin/bash postgres \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
 && mkdir -p /var/lib/postgresql/data /var/run/postgresql \
 && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql
COPY deploy/image/postgres-entrypoint /usr/local/bin/atelier-postgres
LABEL org.opencontainers.image.title="atelier-postgres" \
      org.opencontainers.image.description="PostgreSQL 15 from Debian with the Atelier roles made at first start"
USER postgres
ENV PGDATA=/var/lib/postgresql/data
EXPOSE 5432
VOLUME /var/lib/postgresql/data
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD /usr/lib/postgresql/15/bin/pg_isready -q -h 127.0.0.1 -p 5432 -d atelier || exit 1
STOPSIGNAL SIGINT
ENTRYPOINT ["/usr/local/bin/atelier-postgres"]

FROM runtime AS redis
RUN useradd --system --uid 10003 --home-dir /var/lib/redis --shell /usr/sbin/nologin redis \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
 && mkdir -p /run/atelier-redis && chown redis /run/atelier-redis
COPY cache/redis.conf /etc/atelier/redis.conf
COPY deploy/image/redis-entrypoint /usr/local/bin/atelier-redis
LABEL org.opencontainers.image.title="atelier-redis" \
      org.opencontainers.image.description="Redis 7 from Debian with the Atelier cache settings and ACL users"
USER redis
EXPOSE 6379
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD REDISCLI_AUTH="$(cat /run/atelier-redis/health-password)" redis-cli --user atelier_health -p 6379 ping | grep -q PONG || exit 1
ENTRYPOINT ["/usr/local/bin/atelier-redis"]

# deploy/compose.yaml's `monitoring` profile: Prometheus with the project's rules, Alertmanager
# with deploy/alertmanager's routes (receivers: the alert-sink service), and that sink.
FROM runtime AS monitoring
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      prometheus prometheus-alertmanager python3 \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
COPY scripts/observe/rules /etc/atelier/rules
COPY deploy/monitoring/prometheus.yml /etc/atelier/prometheus.yml
COPY deploy/alertmanager/alertmanager.yml.template /etc/atelier/alertmanager.yml
COPY deploy/alertmanager/webhook-sink /usr/local/bin/webhook-sink
RUN sed -i -e 's|@@PAGE_WEBHOOK_URL@@|http://alert-sink:9099/page|' \
      -e 's|@@TICKET_WEBHOOK_URL@@|http://alert-sink:9099/ticket|' /etc/atelier/alertmanager.yml \
 && promtool check config /etc/atelier/prometheus.yml >/dev/null \
 && amtool check-config /etc/atelier/alertmanager.yml >/dev/null
LABEL org.opencontainers.image.title="atelier-monitoring" \
      org.opencontainers.image.description="Prometheus, Alertmanager and a webhook sink for the Atelier compose stack"
USER atelier
WORKDIR /tmp

FROM runtime AS api
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libpistache0 libpqxx-6.4 libhiredis0.14 zlib1g libdeflate0 curl ca-certificates \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
COPY --from=build /src/build/src/tools/atelier-api /usr/local/bin/
COPY deploy/image/api-healthcheck /usr/local/bin/atelier-healthcheck
LABEL org.opencontainers.image.title="atelier-api" \
      org.opencontainers.image.description="One stateless Atelier API host"
USER atelier
ENV ATELIER_BIND=0.0.0.0 \
    ATELIER_PORT=8080 \
    ATELIER_THREADS=8
EXPOSE 8080
# Asks the host itself, on the port and address it listens on (ATELIER_PORT, ATELIER_BIND).
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["/usr/local/bin/atelier-healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/atelier-api"]
