#!/usr/bin/env bash
# The one entry point for the local stack: a private MariaDB, the
# payments-fcgi worker pool and nginx with TLS, all under one run dir.
#
#   scripts/dev.sh up       build and (re)start the stack, wait until healthy
#   scripts/dev.sh down     stop what `up` started (pid files only)
#   scripts/dev.sh status   what runs, where
#   scripts/dev.sh test     build, unit tests, an isolated stack, integration tests
#   scripts/dev.sh build    install missing packages and build only
#   scripts/dev.sh backup DIR    dump the database and audit files into DIR
#   scripts/dev.sh restore DIR   verify DIR and restore it into the running
#                                stack (--force: over existing data; see docs/backups.md)
#
# Variables: PAYMENTS_ENV_FILE, PAYMENTS_RUN_DIR, PAYMENTS_DATA_DIR,
# PAYMENTS_HTTPS_PORT, PAYMENTS_WORKERS, PAYMENTS_THREADS, PAYMENTS_BUILD_DIR,
# PAYMENTS_SANITIZE (test: 1 builds with ASan+UBSan). See docs/dev-stack.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
say() { printf '[dev.sh] %s\n' "$*" >&2; }
die() { printf '[dev.sh] error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- packages --
APT_PACKAGES=(build-essential cmake pkg-config libfcgi-dev libmysqlcppconn-dev
  libjsoncpp-dev libboost-log-dev libcppunit-dev libssl-dev libcurl4-openssl-dev
  nginx-light mariadb-server mariadb-client openssl curl wrk)

missing_packages() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  # nginx-light or any other nginx flavour will do.
  if command -v nginx >/dev/null 2>&1; then
    local kept=()
    for p in "${missing[@]}"; do [ "$p" = nginx-light ] || kept+=("$p"); done
    missing=("${kept[@]}")
  fi
  echo "${missing[@]:-}"
}

ensure_packages() {
  local missing
  missing=$(missing_packages)
  [ -z "${missing// /}" ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    die "missing Debian packages: $missing (run as root, or: sudo apt-get install $missing)"
  fi
  say "installing: $missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

# ------------------------------------------------------------------- build --
build() {
  local dir=$1 sanitize=${2:-OFF}
  say "building in ${dir#"$ROOT"/} (sanitizers: $sanitize)"
  mkdir -p "$dir"
  cmake -S "$ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPAYMENTS_SANITIZE="$sanitize" \
    >"$dir/configure.log" 2>&1 || { tail -n 30 "$dir/configure.log" >&2; die "cmake configure failed"; }
  if ! cmake --build "$dir" -j "$(nproc 2>/dev/null || echo 2)" >"$dir/build.log" 2>&1; then
    grep -E -A3 'error' "$dir/build.log" | head -n 40 >&2
    die "build failed; full log: $dir/build.log"
  fi
}

# ------------------------------------------------------------------ config --
random_b64() { openssl rand -base64 "$1" | tr -d '\n'; }
random_token() { openssl rand -base64 32 | tr '+/' '-_' | tr -d '=\n'; }

# Loads PAYMENTS_ENV_FILE (default .env, created from .env.example on first
# use with fresh secrets). Variables already in the environment win.
load_env() {
  local file=${PAYMENTS_ENV_FILE:-$ROOT/.env}
  if [ ! -f "$file" ]; then
    [ -z "${PAYMENTS_ENV_FILE:-}" ] || die "PAYMENTS_ENV_FILE=$file does not exist"
    say "creating .env from .env.example with a fresh admin token and secrets key"
    sed -e "s|^PAYMENTS_API_ADMIN_TOKEN=.*|PAYMENTS_API_ADMIN_TOKEN=$(random_token)|" \
        -e "s|^PAYMENTS_SECRETS_KEY=.*|PAYMENTS_SECRETS_KEY=$(random_b64 32)|" \
        "$ROOT/.env.example" > "$file"
    chmod 600 "$file"
  fi
  local line name value
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%$'\r'}
    [[ "$line" =~ ^[[:space:]]*(#|$) ]] && continue
    [[ "$line" =~ ^[[:space:]]*([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
    name=${BASH_REMATCH[1]}
    value=${BASH_REMATCH[2]}
    if [[ "$value" =~ ^\"(.*)\"$ ]] || [[ "$value" =~ ^\'(.*)\'$ ]]; then value=${BASH_REMATCH[1]}; fi
    [ -n "${!name+x}" ] || export "$name=$value"
  done < "$file"
}

set_paths() {
  RUN_DIR=${PAYMENTS_RUN_DIR:-$ROOT/.run}
  case "$RUN_DIR" in /*) ;; *) RUN_DIR=$ROOT/$RUN_DIR ;; esac
  DATA_DIR=${PAYMENTS_DATA_DIR:-$ROOT/data}
  case "$DATA_DIR" in /*) ;; *) DATA_DIR=$ROOT/$DATA_DIR ;; esac
  HTTPS_PORT=${PAYMENTS_HTTPS_PORT:-8443}
  BUILD_DIR=${PAYMENTS_BUILD_DIR:-$ROOT/build}
}

# --------------------------------------------------------------- processes --
pid_alive() { local f=$1; [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; }

stop_pid() {
  local f=$1 name=$2 sig=${3:-TERM} i
  pid_alive "$f" || { rm -f "$f"; return 0; }
  local pid; pid=$(cat "$f")
  say "stopping $name (pid $pid)"
  kill -"$sig" "$pid" 2>/dev/null || true
  for i in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$f"; return 0; }
    sleep 0.1
  done
  say "$name did not stop in 15 s; sending KILL"
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$f"
}

db_start() {
  local run=$1 user; user=$(id -un)
  mkdir -p "$run/logs"
  if pid_alive "$run/mariadb.pid"; then return 0; fi
  if [ ! -d "$run/mysql/mysql" ]; then
    say "initialising a private MariaDB in ${run#"$ROOT"/}/mysql"
    mkdir -p "$run/mysql"
    mariadb-install-db --no-defaults --datadir="$run/mysql" --user="$user" \
      --auth-root-authentication-method=normal --skip-test-db >"$run/logs/mariadb-install.log" 2>&1 \
      || die "mariadb-install-db failed; see $run/logs/mariadb-install.log"
  fi
  say "starting MariaDB (socket ${run#"$ROOT"/}/mysql.sock, no TCP)"
  mariadbd --no-defaults --datadir="$run/mysql" --socket="$run/mysql.sock" \
    --pid-file="$run/mariadb.pid" --skip-networking --user="$user" \
    --log-error="$run/logs/mariadb.log" --max-connections=400 \
    --innodb-buffer-pool-size=256M --character-set-server=utf8mb4 \
    --collation-server=utf8mb4_bin --log-bin="$run/mysql/binlog" --server-id=1 \
    --binlog-format=ROW --expire-logs-days=7 >/dev/null 2>&1 &
  local i
  for i in $(seq 1 300); do
    if mariadb-admin --no-defaults --socket="$run/mysql.sock" -uroot ping >/dev/null 2>&1; then
      mariadb --no-defaults --socket="$run/mysql.sock" -uroot \
        -e "CREATE DATABASE IF NOT EXISTS payments CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
      return 0
    fi
    sleep 0.1
  done
  die "MariaDB did not start; see $run/logs/mariadb.log"
}

tls_cert() {
  local run=$1
  [ -f "$run/tls/cert.pem" ] && return 0
  mkdir -p "$run/tls"
  openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$run/tls/key.pem" -out "$run/tls/cert.pem" >/dev/null 2>&1
  chmod 600 "$run/tls/key.pem"
}

# app_start RUN_DIR NAME SOCKET [VAR=VALUE ...]: the worker pool, with the
# database settings of the private MariaDB.
app_start() {
  local run=$1 name=$2 socket=$3; shift 3
  stop_pid "$run/$name.pid" "$name"
  say "starting $name (${PAYMENTS_WORKERS:-2} workers x ${PAYMENTS_THREADS:-4} threads)"
  env PAYMENTS_DB_SOCKET="$run/mysql.sock" PAYMENTS_DB_USER=root PAYMENTS_DB_PASSWORD= \
    PAYMENTS_DB_NAME=payments PAYMENTS_FCGI_LISTEN="$socket" PAYMENTS_DATA_DIR="$DATA_DIR" \
    PAYMENTS_MIGRATIONS_DIR="$ROOT/sql" "$@" \
    "$BUILD_DIR/payments-fcgi" serve >>"$run/logs/$name.log" 2>&1 &
  echo $! > "$run/$name.pid"
  local i
  for i in $(seq 1 300); do
    [ -S "$socket" ] && return 0
    kill -0 "$(cat "$run/$name.pid")" 2>/dev/null || die "$name exited; see $run/logs/$name.log: $(tail -n 3 "$run/logs/$name.log")"
    sleep 0.1
  done
  die "$name did not open $socket; see $run/logs/$name.log"
}

# cycle_start RUN_DIR [VAR=VALUE ...]: the payment cycle process
# (payments-fcgi cycle), pid file RUN_DIR/app-cycle.pid, log logs/cycle.log.
cycle_start() {
  local run=$1; shift
  stop_pid "$run/app-cycle.pid" cycle
  say "starting the payment cycle (every ${PAYMENT_INTERVAL_SECONDS:-60} s, dry run: ${PAYMENT_DRY_RUN:-true})"
  env PAYMENTS_DB_SOCKET="$run/mysql.sock" PAYMENTS_DB_USER=root PAYMENTS_DB_PASSWORD= \
    PAYMENTS_DB_NAME=payments PAYMENTS_DATA_DIR="$DATA_DIR" \
    PAYMENTS_MIGRATIONS_DIR="$ROOT/sql" "$@" \
    "$BUILD_DIR/payments-fcgi" cycle >>"$run/logs/cycle.log" 2>&1 &
  echo $! > "$run/app-cycle.pid"
  sleep 0.5
  kill -0 "$(cat "$run/app-cycle.pid")" 2>/dev/null \
    || die "the payment cycle exited; see $run/logs/cycle.log: $(tail -n 3 "$run/logs/cycle.log")"
}

# nginx_config RUN_DIR "PORT:SOCKET ..." writes RUN_DIR/nginx.conf.
nginx_config() {
  local run=$1 pairs=$2 servers="" pair port socket user_line="" real_ip="" proxy
  mkdir -p "$run/nginx"/{client_body,fastcgi,proxy,uwsgi,scgi} "$run/logs"
  if [ "$(id -u)" -eq 0 ]; then
    user_line="user nobody nogroup;"
    chown -R nobody:nogroup "$run/nginx"
  fi
  for proxy in $(echo "${PAYMENTS_TRUSTED_PROXIES:-}" | tr ',' ' '); do
    real_ip+="  set_real_ip_from $proxy;"$'\n'
  done
  [ -z "$real_ip" ] || real_ip+="  real_ip_header X-Forwarded-For;"$'\n'"  real_ip_recursive on;"
  for pair in $pairs; do
    port=${pair%%:*}; socket=${pair#*:}
    servers+=$(sed -e "s|@PORT@|$port|g" -e "s|@FCGI_SOCKET@|$socket|g" -e "s|@RUN_DIR@|$run|g" \
      -e "s|@NGINX_DIR@|$ROOT/nginx|g" -e "s|@DOCS_DIR@|$ROOT/docs|g" \
      -e "s|@REGISTER_BURST@|${PAYMENTS_NGINX_REGISTER_BURST:-20}|g" \
      -e "s|@API_BURST@|${PAYMENTS_NGINX_API_BURST:-2000}|g" "$ROOT/nginx/local-server.conf.template")
    servers+=$'\n'
  done
  local tmp="$run/nginx.conf.tmp"
  sed -e "s|@USER_LINE@|$user_line|" -e "s|@RUN_DIR@|$run|g" \
    -e "s|@MAX_BODY@|${PAYMENTS_NGINX_MAX_BODY:-1m}|g" \
    -e "s|@REGISTER_RATE@|${PAYMENTS_NGINX_REGISTER_RATE:-5r/s}|g" \
    -e "s|@API_RATE@|${PAYMENTS_NGINX_API_RATE:-1000r/s}|g" \
    "$ROOT/nginx/local.conf.template" > "$tmp"
  # Multi-line blocks: substitute with awk, not sed.
  awk -v servers="$servers" -v realip="$real_ip" \
    '{ if ($0 == "@SERVERS@") print servers; else if ($0 == "@REAL_IP@") print realip; else print }' \
    "$tmp" > "$run/nginx.conf"
  rm -f "$tmp"
  nginx -t -q -c "$run/nginx.conf" -p "$run" 2>"$run/logs/nginx-test.log" \
    || die "nginx config invalid: $(cat "$run/logs/nginx-test.log")"
}

nginx_start() {
  local run=$1
  if pid_alive "$run/nginx.pid"; then
    kill -HUP "$(cat "$run/nginx.pid")"   # reload the regenerated config
    return 0
  fi
  nginx -c "$run/nginx.conf" -p "$run" 2>>"$run/logs/nginx-error.log" || die "nginx failed to start; see $run/logs/nginx-error.log"
}

wait_healthy() {
  local run=$1 port=$2 i code
  for i in $(seq 1 300); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$run/tls/cert.pem" \
      "https://127.0.0.1:$port/api/health" || true)
    [ "$code" = 200 ] && return 0
    sleep 0.2
  done
  die "https://127.0.0.1:$port/api/health did not answer 200 (last: $code); see $run/logs/"
}

stack_down() {
  local run=$1 f name
  stop_pid "$run/nginx.pid" nginx QUIT
  for f in "$run"/app*.pid; do
    [ -e "$f" ] || continue
    name=$(basename "$f" .pid)
    stop_pid "$f" "$name"
  done
  stop_pid "$run/mariadb.pid" mariadb
}

# ---------------------------------------------------------------- commands --
cmd_up() {
  ensure_packages
  load_env
  set_paths
  build "$BUILD_DIR"
  mkdir -p "$RUN_DIR/logs" "$DATA_DIR"
  db_start "$RUN_DIR"
  tls_cert "$RUN_DIR"
  app_start "$RUN_DIR" app "$RUN_DIR/fcgi.sock"
  nginx_config "$RUN_DIR" "$HTTPS_PORT:$RUN_DIR/fcgi.sock"
  nginx_start "$RUN_DIR"
  wait_healthy "$RUN_DIR" "$HTTPS_PORT"
  if [ "${PAYMENTS_DEV_CYCLE:-1}" != 0 ]; then
    cycle_start "$RUN_DIR"
  else
    stop_pid "$RUN_DIR/app-cycle.pid" cycle
  fi
  say "up: https://127.0.0.1:$HTTPS_PORT/api/health (docs: https://127.0.0.1:$HTTPS_PORT/docs/)"
  say "TLS certificate (self-signed): $RUN_DIR/tls/cert.pem; admin token in ${PAYMENTS_ENV_FILE:-$ROOT/.env}"
  echo "https://127.0.0.1:$HTTPS_PORT"
}

# down and status read the same config as up (when it exists), so that a
# PAYMENTS_RUN_DIR or PAYMENTS_HTTPS_PORT set in .env is honoured.
load_env_if_present() {
  if [ -f "${PAYMENTS_ENV_FILE:-$ROOT/.env}" ]; then load_env; fi
}

cmd_down() {
  load_env_if_present
  set_paths
  stack_down "$RUN_DIR"
  say "down"
}

cmd_status() {
  load_env_if_present
  set_paths
  local f
  for f in mariadb app app-cycle nginx; do
    if pid_alive "$RUN_DIR/$f.pid"; then
      echo "$f: running (pid $(cat "$RUN_DIR/$f.pid"))"
    else
      echo "$f: stopped"
    fi
  done
  echo "run dir: $RUN_DIR"
  echo "data dir: $DATA_DIR"
  echo "url: https://127.0.0.1:$HTTPS_PORT"
  if pid_alive "$RUN_DIR/nginx.pid"; then
    echo "health: $(curl -s --cacert "$RUN_DIR/tls/cert.pem" "https://127.0.0.1:$HTTPS_PORT/api/health" || echo unreachable)"
  fi
}

# The isolated test stack: its own run dir, data dir and ports; a main pool
# with every role configured, a "bare" pool with no tokens at all (to
# prove the secure defaults) and a "short" pool with 2-second licence leases
# on its own database (PAYMENTS_TEST_SHORT_*), and a "cycle" pool on the
# database payments_cycle (PAYMENTS_TEST_CYCLE_*) that the payment-cycle
# suite shares with the cycle processes it starts itself, each behind its
# own nginx server (ports PORT, PORT+1, PORT+2, PORT+3).
cmd_test() {
  ensure_packages
  set_paths
  local sanitize=OFF
  [ "${PAYMENTS_SANITIZE:-0}" = 1 ] && sanitize=ON && BUILD_DIR=${PAYMENTS_BUILD_DIR:-$ROOT/build-asan}
  build "$BUILD_DIR" "$sanitize"

  local run=${PAYMENTS_TEST_RUN_DIR:-$ROOT/.run/test}
  local port=${PAYMENTS_TEST_HTTPS_PORT:-18443}
  local bare_port=$((port + 1)) short_port=$((port + 2)) cycle_port=$((port + 3))
  RUN_DIR=$run
  DATA_DIR=$run/data
  stack_down "$run" 2>/dev/null || true
  rm -rf "$run"
  mkdir -p "$run/logs" "$DATA_DIR"
  trap 'stack_down "'"$run"'" 2>/dev/null || true' EXIT

  local admin viewer key short_admin short_key cycle_admin
  admin=$(random_token); viewer=$(random_token); key=$(random_b64 32)
  short_admin=$(random_token); short_key=$(random_b64 32); cycle_admin=$(random_token)
  db_start "$run"
  tls_cert "$run"
  PAYMENTS_WORKERS=${PAYMENTS_WORKERS:-2} PAYMENTS_THREADS=${PAYMENTS_THREADS:-4} \
  app_start "$run" app "$run/fcgi.sock" \
    PAYMENTS_API_ADMIN_TOKEN="$admin" PAYMENTS_VIEWER_TOKENS="$viewer" \
    PAYMENTS_SECRETS_KEY="$key" \
    PAYMENTS_ADDRESS_DENYLIST=0x000000000000000000000000000000000000dEaD \
    PAYMENTS_MANAGER_IP_ALLOWLIST=127.0.0.1 \
    PAYMENTS_TOP_ORCHESTRATORS_PATH="$run/top-orchestrators.txt" \
    PAYMENTS_LOG_LEVEL=warning
  PAYMENTS_WORKERS=1 PAYMENTS_THREADS=2 \
  app_start "$run" app-bare "$run/fcgi-bare.sock" \
    PAYMENTS_API_ADMIN_TOKEN= PAYMENTS_VIEWER_TOKENS= PAYMENTS_SECRETS_KEY="$key" \
    PAYMENTS_DATA_DIR="$run/data-bare" PAYMENTS_LOG_LEVEL=warning
  # The "short" pool: 2-second licence leases (expiry tests) on its own
  # database and secrets key (key-rotation tests run against it alone).
  mariadb --no-defaults --socket="$run/mysql.sock" -uroot \
    -e "CREATE DATABASE IF NOT EXISTS payments_short CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
  PAYMENTS_WORKERS=1 PAYMENTS_THREADS=4 \
  app_start "$run" app-short "$run/fcgi-short.sock" \
    PAYMENTS_DB_NAME=payments_short PAYMENTS_API_ADMIN_TOKEN="$short_admin" \
    PAYMENTS_VIEWER_TOKENS= PAYMENTS_SECRETS_KEY="$short_key" PAYMENTS_LICENSE_LEASE_SECONDS=2 \
    PAYMENTS_DATA_DIR="$run/data-short" PAYMENTS_LOG_LEVEL=warning
  # The "cycle" pool: the payment-cycle suite's own database, so that the
  # cycle processes it starts see only its orchestrators.
  mariadb --no-defaults --socket="$run/mysql.sock" -uroot \
    -e "CREATE DATABASE IF NOT EXISTS payments_cycle CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
  PAYMENTS_WORKERS=1 PAYMENTS_THREADS=4 \
  app_start "$run" app-cyclepool "$run/fcgi-cycle.sock" \
    PAYMENTS_DB_NAME=payments_cycle PAYMENTS_API_ADMIN_TOKEN="$cycle_admin" \
    PAYMENTS_VIEWER_TOKENS= PAYMENTS_SECRETS_KEY="$key" \
    PAYMENTS_DATA_DIR="$run/data-cycle" PAYMENTS_LOG_LEVEL=warning
  nginx_config "$run" \
    "$port:$run/fcgi.sock $bare_port:$run/fcgi-bare.sock $short_port:$run/fcgi-short.sock $cycle_port:$run/fcgi-cycle.sock"
  nginx_start "$run"
  wait_healthy "$run" "$port"
  wait_healthy "$run" "$bare_port"
  wait_healthy "$run" "$short_port"
  wait_healthy "$run" "$cycle_port"
  say "test stack up on 127.0.0.1:$port (bare: $bare_port, short leases: $short_port, cycle: $cycle_port); running ctest"

  local status=0
  PAYMENTS_TEST_URL="https://127.0.0.1:$port" \
  PAYMENTS_TEST_BARE_URL="https://127.0.0.1:$bare_port" \
  PAYMENTS_TEST_CA="$run/tls/cert.pem" \
  PAYMENTS_TEST_ADMIN_TOKEN="$admin" PAYMENTS_TEST_VIEWER_TOKEN="$viewer" \
  PAYMENTS_TEST_RUN_DIR="$run" PAYMENTS_TEST_DATA_DIR="$DATA_DIR" \
  PAYMENTS_TEST_DB_SOCKET="$run/mysql.sock" \
  PAYMENTS_TEST_SHORT_URL="https://127.0.0.1:$short_port" \
  PAYMENTS_TEST_SHORT_ADMIN_TOKEN="$short_admin" PAYMENTS_TEST_SHORT_SECRETS_KEY="$short_key" \
  PAYMENTS_TEST_SHORT_DB_NAME=payments_short PAYMENTS_TEST_SHORT_DATA_DIR="$run/data-short" \
  PAYMENTS_TEST_CYCLE_URL="https://127.0.0.1:$cycle_port" \
  PAYMENTS_TEST_CYCLE_ADMIN_TOKEN="$cycle_admin" PAYMENTS_TEST_CYCLE_DB_NAME=payments_cycle \
  PAYMENTS_TEST_CYCLE_DATA_DIR="$run/data-cycle" PAYMENTS_TEST_SECRETS_KEY="$key" \
  PAYMENTS_TEST_BINARY="$BUILD_DIR/payments-fcgi" \
    ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 600 "$@" || status=$?
  if grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' "$run"/logs/app*.log "$run"/logs/cycle*.log 2>/dev/null; then
    say "sanitizer reports in the worker logs:"
    grep -hE -A5 'runtime error|AddressSanitizer' "$run"/logs/app*.log "$run"/logs/cycle*.log | head -40 >&2
    status=1
  fi
  return $status
}

# backup / restore: cmd_backup, cmd_restore.
# shellcheck source=scripts/lib/backup.sh
source "$ROOT/scripts/lib/backup.sh"

main() {
  local cmd=${1:-help}
  shift || true
  case "$cmd" in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    status) cmd_status "$@" ;;
    test) cmd_test "$@" ;;
    build) ensure_packages; set_paths; build "$BUILD_DIR" ;;
    backup) cmd_backup "$@" ;;
    restore) cmd_restore "$@" ;;
    -h|--help|help) sed -n '2,/^set -e/{/^#/p}' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
    *) die "unknown command '$cmd' (try: up, down, status, test, backup, restore)" ;;
  esac
}

main "$@"
