# payments-fcgi container image: a Debian bookworm build stage and a slim
# runtime stage that holds only the binary, its runtime libraries, the SQL
# migrations and the docs. Build from a clean checkout:
#
#   docker build -t payments-backend:local .
#
# The container speaks FastCGI (not HTTP) on PAYMENTS_FCGI_LISTEN; nginx sits
# in front of it (see docker-compose.yml and docs/operations.md).

ARG DEBIAN_RELEASE=bookworm

# ------------------------------------------------------------------ build --
FROM debian:${DEBIAN_RELEASE} AS build

# The -dev packages of scripts/dev.sh (APT_PACKAGES) minus the local-stack
# tools; CMakeLists.txt also requires CppUnit and libcurl to configure.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config libfcgi-dev libmysqlcppconn-dev \
      libjsoncpp-dev libboost-log-dev libcppunit-dev libssl-dev \
      libcurl4-openssl-dev \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY CMakeLists.txt ./
COPY fcgi_app ./fcgi_app
COPY tests ./tests
COPY sql ./sql
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release \
 && cmake --build build --target payments-fcgi -j"$(nproc)" \
 && strip build/payments-fcgi

# ---------------------------------------------------------------- runtime --
FROM debian:${DEBIAN_RELEASE}-slim AS runtime

# Runtime libraries only (names checked with apt-cache against bookworm):
#   libfcgi0ldbl        FastCGI (libfcgi.so.0)
#   libmysqlcppconn7v5  MySQL Connector/C++ 1.1 (pulls libmariadb3, whose
#                       caching_sha2_password plugin MySQL 8 users need)
#   libjsoncpp25        JSON
#   libboost-log1.74.0  Boost.Log (pulls boost thread/filesystem/regex)
#   libssl3             libcrypto
#   libcurl4            outbound HTTP (not linked by payments-fcgi today;
#                       kept so the image does not change when it is)
#   libfcgi-bin         cgi-fcgi, used by the HEALTHCHECK
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libfcgi0ldbl libmysqlcppconn7v5 libjsoncpp25 libboost-log1.74.0 \
      libssl3 libcurl4 libfcgi-bin ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 payments \
 && useradd --system --uid 10001 --gid payments --home-dir /app \
      --no-create-home --shell /usr/sbin/nologin payments \
 && mkdir -p /app /var/lib/payments/audit \
 && chown -R payments:payments /var/lib/payments

COPY --from=build /src/build/payments-fcgi /usr/local/bin/payments-fcgi
COPY scripts/healthcheck.sh /usr/local/bin/payments-healthcheck
COPY sql /app/sql
COPY docs /app/docs

# Fail the build, not the deployment, when a shared library is missing.
RUN if ldd /usr/local/bin/payments-fcgi | grep 'not found'; then exit 1; fi \
 && chmod 0755 /usr/local/bin/payments-healthcheck

# PAYMENTS_DATA_DIR holds the audit files: mount a volume there.
ENV PAYMENTS_MIGRATIONS_DIR=/app/sql \
    PAYMENTS_FCGI_LISTEN=0.0.0.0:9000 \
    PAYMENTS_DATA_DIR=/var/lib/payments

WORKDIR /app
USER 10001:10001
EXPOSE 9000

# A real request through the worker pool: GET /api/health over FastCGI,
# healthy only on 200 (a worker answered and reached the database).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["/usr/local/bin/payments-healthcheck"]

# `docker run IMAGE migrate` or `check-config` run the other subcommands.
ENTRYPOINT ["/usr/local/bin/payments-fcgi"]
CMD ["serve"]
