#!/usr/bin/env bash
# Benchmarks the hot routes through nginx + TLS with wrk and prints req/s and
# latency percentiles per route. It is a measuring tool, not a test: it
# starts its own stack (run dir .run/bench, port 18743), seeds it, runs
# each route for PAYMENTS_BENCH_SECONDS (default 10) at
# PAYMENTS_BENCH_CONNECTIONS (default 32) connections, prints EXPLAIN for
# the statements behind them, and stops the stack.
#
#   scripts/bench.sh            all routes
#   scripts/bench.sh read       only routes whose name contains "read"
#
# Also times one interval of the payment cycle over many orchestrators
# (bench_cycle; PAYMENTS_BENCH_CYCLE_ORCHESTRATORS, default 2000).
#
# Variables: PAYMENTS_BENCH_SECONDS, PAYMENTS_BENCH_CONNECTIONS,
# PAYMENTS_BENCH_THREADS (wrk threads, default 2), PAYMENTS_BENCH_WORKLOADS
# (rows seeded, default 100000), PAYMENTS_BENCH_KEEP=1 (leave the stack up).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
say() { printf '[bench] %s\n' "$*" >&2; }

SECONDS_PER_ROUTE=${PAYMENTS_BENCH_SECONDS:-10}
CONNECTIONS=${PAYMENTS_BENCH_CONNECTIONS:-32}
WRK_THREADS=${PAYMENTS_BENCH_THREADS:-2}
WORKLOADS=${PAYMENTS_BENCH_WORKLOADS:-100000}
ORCHESTRATORS=100
FILTER=${1:-}

RUN=$ROOT/.run/bench
PORT=18743
URL=https://127.0.0.1:$PORT
mkdir -p "$RUN"
ENV_FILE=$RUN/bench.env
ADMIN=$(openssl rand -hex 24)
SECRETS_KEY=$(openssl rand -base64 32)
cat > "$ENV_FILE" <<EOF
PAYMENTS_API_ADMIN_TOKEN=$ADMIN
PAYMENTS_SECRETS_KEY=$SECRETS_KEY
PAYMENTS_REGISTRATION_PER_MINUTE=1000000
PAYMENTS_REGISTRATION_BURST=1000000
PAYMENTS_LOG_LEVEL=warning
EOF

export PAYMENTS_ENV_FILE=$ENV_FILE PAYMENTS_RUN_DIR=$RUN PAYMENTS_DATA_DIR=$RUN/data \
  PAYMENTS_HTTPS_PORT=$PORT PAYMENTS_NGINX_REGISTER_RATE=1000000r/s \
  PAYMENTS_NGINX_API_RATE=1000000r/s PAYMENTS_WORKERS=${PAYMENTS_WORKERS:-2} \
  PAYMENTS_THREADS=${PAYMENTS_THREADS:-8} PAYMENTS_DEV_CYCLE=0
stop() { [ "${PAYMENTS_BENCH_KEEP:-0}" = 1 ] || "$ROOT/scripts/dev.sh" down >/dev/null 2>&1 || true; }
trap stop EXIT

say "starting the bench stack on $URL"
"$ROOT/scripts/dev.sh" up >/dev/null
command -v wrk >/dev/null || { say "wrk is not installed (apt-get install wrk)"; exit 1; }

sql() { mariadb --no-defaults -uroot --socket="$RUN/mysql.sock" -N -B payments -e "$1"; }

say "seeding $ORCHESTRATORS orchestrators"
for i in $(seq 1 $ORCHESTRATORS); do
  printf -v addr '0x%040x' "$((0xbe00 + i))"
  curl -s -o /dev/null --cacert "$RUN/tls/cert.pem" "$URL/api/orchestrators/register" \
    -H 'Content-Type: application/json' \
    -d "{\"orchestrator_id\":\"bench-$i\",\"address\":\"$addr\"}"
done
have=$(sql "SELECT COUNT(*) FROM workloads")
if [ "$have" -lt "$WORKLOADS" ]; then
  say "seeding $WORKLOADS workloads (one INSERT ... SELECT over MariaDB's sequence engine)"
  sql "INSERT INTO workloads (workload_id, orchestrator_id, payout_amount_eth, status,
         submitted_at, artifact_hash)
       SELECT CONCAT('bench-wl-', seq), CONCAT('bench-', 1 + seq % $ORCHESTRATORS), 0.001,
              ELT(1 + seq % 4, 'pending', 'verified', 'paid', 'rejected'),
              UTC_TIMESTAMP(6) - INTERVAL seq SECOND, 'sha256:bench'
       FROM seq_1_to_${WORKLOADS}"
  sql "ANALYZE TABLE workloads, orchestrators, balances, ledger_events" >/dev/null
fi

SCRIPTS=$RUN/wrk
mkdir -p "$SCRIPTS"
cat > "$SCRIPTS/register.lua" <<'EOF'
-- Refreshes one of 100 registered orchestrators per request.
local n = 0
request = function()
  n = n + 1
  local i = n % 100 + 1
  local body = string.format(
    '{"orchestrator_id":"bench-%d","address":"0x%040x","services_healthy":true}', i, 0xbe00 + i)
  return wrk.format("POST", "/api/orchestrators/register",
                    {["Content-Type"] = "application/json"}, body)
end
EOF
cat > "$SCRIPTS/adjust.lua" <<EOF
-- Credits 1e-18 ETH to one of 100 orchestrators per request.
local n = 0
request = function()
  n = n + 1
  local body = string.format('{"orchestrator_id":"bench-%d","amount_eth":"1e-18"}', n % 100 + 1)
  return wrk.format("POST", "/api/ledger/adjustments",
                    {["Content-Type"] = "application/json", ["X-Admin-Token"] = "$ADMIN"}, body)
end
EOF

RESULTS=$RUN/results.txt
: > "$RESULTS"
# run NAME PATH [wrk args...]: one wrk run, one result line.
run() {
  local name=$1 path=$2; shift 2
  if [ -n "$FILTER" ] && [[ "$name" != *"$FILTER"* ]]; then return 0; fi
  say "$name: ${SECONDS_PER_ROUTE}s at $CONNECTIONS connections"
  local out
  out=$(wrk -t "$WRK_THREADS" -c "$CONNECTIONS" -d "${SECONDS_PER_ROUTE}s" --latency "$@" "$URL$path")
  local rps p50 p99 non2xx
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  printf '%-28s %10s req/s   p50 %-9s p99 %-9s non-2xx %s\n' "$name" "$rps" "$p50" "$p99" \
    "${non2xx:-0}" | tee -a "$RESULTS"
}

# ------------------------------------------------------------- licensing --
# bench_licensing: the lease heartbeat (the hottest route) over
# PAYMENTS_BENCH_LEASES (default 10000) active leases — 100 orchestrators,
# one token each, one encrypted image granted to all — then lease issuance.
# Tokens, image and grants go through the API; the leases are seeded with
# one INSERT ... SELECT. The tokens end up in $SCRIPTS/licensing.lua: a
# throw-away stack's credentials, never in a log.
bench_licensing() {
  local heartbeat="write: lease heartbeat (10k)" issue="write: lease issue"
  if [ -n "$FILTER" ] && [[ "$heartbeat" != *"$FILTER"* ]] && [[ "$issue" != *"$FILTER"* ]]; then
    return 0
  fi
  local leases=${PAYMENTS_BENCH_LEASES:-10000} image="registry.example.com/bench/encrypted:1"
  local api=(curl -s --cacert "$RUN/tls/cert.pem" -H 'Content-Type: application/json'
             -H "X-Admin-Token: $ADMIN")
  say "licensing: one image, a token and a grant for each of $ORCHESTRATORS orchestrators"
  "${api[@]}" -o /dev/null -X PUT "$URL/api/licenses/images" -d "{\"image_ref\":\"$image\"}"
  local lua=$SCRIPTS/licensing.lua i token
  {
    echo "-- generated by bench_licensing"
    echo "image = \"$image\""
    echo "tokens = {"
    for i in $(seq 1 $ORCHESTRATORS); do
      token=$("${api[@]}" -X POST "$URL/api/licenses/orchestrators/bench-$i/tokens" |
        sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
      "${api[@]}" -o /dev/null -X POST "$URL/api/licenses/access/grant" \
        -d "{\"orchestrator_id\":\"bench-$i\",\"image_ref\":\"$image\"}"
      echo "  [$i] = \"$token\","
    done
    echo "}"
  } > "$lua"
  say "licensing: seeding $leases active leases"
  sql "INSERT INTO license_leases (lease_id, orchestrator_id, image_id, issued_at, last_seen_at,
         last_seen_ip, expires_at)
       SELECT MD5(CONCAT('bench-lease-', seq)), CONCAT('bench-', 1 + seq % $ORCHESTRATORS),
              (SELECT image_id FROM license_images WHERE image_ref = '$image'),
              UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), '127.0.0.1', UTC_TIMESTAMP(6) + INTERVAL 1 DAY
       FROM seq_1_to_${leases}
       ON DUPLICATE KEY UPDATE expires_at = VALUES(expires_at), revoked_at = NULL"
  sql "ANALYZE TABLE license_leases, license_images, license_grants, orchestrator_tokens" >/dev/null
  {
    echo "leases = {"
    sql "SELECT lease_id, SUBSTRING(orchestrator_id, 7) FROM license_leases
         WHERE expires_at > UTC_TIMESTAMP(6) + INTERVAL 12 HOUR AND revoked_at IS NULL
         LIMIT $leases" |
      awk '{ printf "  {\"%s\", %s},\n", $1, $2 }'
    echo "}"
    cat <<'LUA'
-- Each wrk thread starts at its own offset into the leases.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("offset", threads * 7919)
end
local n = 0
function init(args)
  n = offset or 0
end
mode = "heartbeat"
request = function()
  n = n + 1
  local lease = leases[n % #leases + 1]
  local auth = {["Authorization"] = "Bearer " .. tokens[lease[2]]}
  if mode == "issue" then
    auth["Content-Type"] = "application/json"
    return wrk.format("POST", "/api/licenses/lease", auth, '{"image_ref":"' .. image .. '"}')
  end
  return wrk.format("POST", "/api/licenses/lease/" .. lease[1] .. "/heartbeat", auth, "")
end
LUA
  } >> "$lua"
  sed 's/^mode = "heartbeat"$/mode = "issue"/' "$lua" > "$SCRIPTS/licensing-issue.lua"

  run "$heartbeat" "/api/licenses/lease" -s "$lua"
  run "$issue" "/api/licenses/lease" -s "$SCRIPTS/licensing-issue.lua"

  local lease_id hash
  lease_id=$(sql "SELECT MD5('bench-lease-1')")
  hash=$(printf '%s' "$(sed -n 's/^  \[1\] = "\(.*\)",$/\1/p' "$lua")" | sha256sum | cut -d' ' -f1)
  LICENSING_EXPLAIN=(
    "orchestrator token by hash|SELECT token_id, orchestrator_id, token_hash FROM orchestrator_tokens WHERE token_hash = '$hash'"
    "heartbeat read|SELECT l.orchestrator_id, i.image_ref FROM license_leases l JOIN license_images i ON i.image_id = l.image_id LEFT JOIN license_grants g ON g.orchestrator_id = l.orchestrator_id AND g.image_id = l.image_id WHERE l.lease_id = '$lease_id'"
    "heartbeat renew|UPDATE license_leases l JOIN license_images i ON i.image_id = l.image_id AND i.revoked_at IS NULL JOIN license_grants g ON g.orchestrator_id = l.orchestrator_id AND g.image_id = l.image_id SET l.expires_at = GREATEST(l.expires_at, UTC_TIMESTAMP(6)), l.last_seen_at = UTC_TIMESTAMP(6) WHERE l.lease_id = '$lease_id' AND l.orchestrator_id = 'bench-2' AND l.revoked_at IS NULL AND l.expires_at > '2001-01-01'"
  )
}
LICENSING_EXPLAIN=()

run "read: GET orchestrator" "/api/orchestrators/bench-7" -H "X-Admin-Token: $ADMIN"
run "read: GET health" "/api/health"
run "read: GET workloads (100k)" "/api/workloads?orchestrator_id=bench-42&limit=50" \
  -H "X-Admin-Token: $ADMIN"
run "write: register refresh" "/api/orchestrators/register" -s "$SCRIPTS/register.lua"
run "write: ledger adjustment" "/api/ledger/adjustments" -s "$SCRIPTS/adjust.lua"
if declare -F bench_licensing >/dev/null; then bench_licensing; fi

# bench_cycle: one interval of the payment cycle (payments-fcgi cycle --once)
# over PAYMENTS_BENCH_CYCLE_ORCHESTRATORS (default 2000) orchestrators whose
# health_url is a static file on a loopback HTTP server: the time for one
# process, for a second pass over an interval already done, and for two
# processes racing over the same interval (the credit count must come out
# exactly one per orchestrator).
bench_cycle() {
  [ -z "$FILTER" ] || [[ "cycle" == *"$FILTER"* ]] || return 0
  local n=${PAYMENTS_BENCH_CYCLE_ORCHESTRATORS:-2000} health_port=18750 pid_file=$RUN/bench-health.pid
  command -v python3 >/dev/null || { say "python3 missing: skipping the cycle bench"; return 0; }
  mkdir -p "$RUN/health"
  printf '%s' '{"summary":{"services_up":2,"total_services":2,"eligible_for_payment":true,"status_message":"ok"},"services":{"a":"up","b":"up"}}' \
    > "$RUN/health/health.json"
  python3 -m http.server "$health_port" --bind 127.0.0.1 --directory "$RUN/health" \
    >"$RUN/logs/bench-health.log" 2>&1 &
  echo $! > "$pid_file"
  # shellcheck disable=SC2064
  trap "kill \$(cat '$pid_file') 2>/dev/null || true; stop" EXIT
  sleep 1
  say "seeding $n orchestrators with a health_url for the cycle bench"
  sql "INSERT IGNORE INTO orchestrators (orchestrator_id, address, address_key, health_url,
         first_seen, last_seen)
       SELECT CONCAT('cyc-bench-', seq), CONCAT('0x', LPAD(HEX(0xc000000 + seq), 40, '0')),
              LOWER(CONCAT('0x', LPAD(HEX(0xc000000 + seq), 40, '0'))),
              'http://127.0.0.1:$health_port/health.json', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)
       FROM seq_1_to_$n"
  sql "INSERT IGNORE INTO balances (orchestrator_id, balance_eth, updated_at)
       SELECT orchestrator_id, 0, UTC_TIMESTAMP(6) FROM orchestrators
       WHERE orchestrator_id LIKE 'cyc-bench-%'"
  local env_args=(PAYMENTS_SECRETS_KEY="$SECRETS_KEY"
    PAYMENTS_DB_SOCKET="$RUN/mysql.sock" PAYMENTS_DB_USER=root PAYMENTS_DB_NAME=payments
    PAYMENTS_DATA_DIR="$RUN/data" PAYMENTS_MIGRATIONS_DIR="$ROOT/sql" PAYMENTS_LOG_LEVEL=info
    PAYMENT_INTERVAL_SECONDS=86400 PAYMENT_PAYOUT_THRESHOLD_ETH=1000000 PAYMENTS_HEALTH_CONCURRENCY=16)
  reset_cycle() {
    sql "DELETE FROM cycle_runs WHERE orchestrator_id LIKE 'cyc-bench-%';
         DELETE FROM ledger_events WHERE orchestrator_id LIKE 'cyc-bench-%';
         UPDATE balances SET balance_eth = 0 WHERE orchestrator_id LIKE 'cyc-bench-%'"
  }
  once() {  # once LOG: one --once run; prints its wall time in ms
    local start end
    start=$(date +%s%N)
    env "${env_args[@]}" "$ROOT/build/payments-fcgi" cycle --once >>"$1" 2>&1
    end=$(date +%s%N)
    echo $(( (end - start) / 1000000 ))
  }
  local log=$RUN/logs/bench-cycle.log t1 t2 t3 credited
  : > "$log"
  reset_cycle
  t1=$(once "$log")
  t2=$(once "$log")
  credited=$(sql "SELECT COUNT(*) FROM ledger_events WHERE orchestrator_id LIKE 'cyc-bench-%' AND reason = 'cycle'")
  printf '%-34s %6s orchestrators: %s ms (%s credited), second pass over the same interval %s ms\n' \
    "cycle: one process" "$n" "$t1" "$credited" "$t2" | tee -a "$RESULTS"
  reset_cycle
  local start end a b
  start=$(date +%s%N)
  once "$log" >/dev/null & a=$!
  once "$log" >/dev/null & b=$!
  wait "$a" "$b"
  end=$(date +%s%N)
  t3=$(( (end - start) / 1000000 ))
  credited=$(sql "SELECT COUNT(*) FROM ledger_events WHERE orchestrator_id LIKE 'cyc-bench-%' AND reason = 'cycle'")
  printf '%-34s %6s orchestrators: %s ms, %s credits (must be %s)\n' \
    "cycle: two processes racing" "$n" "$t3" "$credited" "$n" | tee -a "$RESULTS"
  grep -h "orchestrators:" "$log" | sed 's/^/  /' >&2
}
bench_cycle

say "EXPLAIN of the statements behind the hot routes (type ALL would be a full scan):"
sql "EXPLAIN SELECT * FROM orchestrators o LEFT JOIN balances b ON b.orchestrator_id = o.orchestrator_id WHERE o.orchestrator_id = 'bench-7'" | sed 's/^/  orchestrator by id: /'
sql "EXPLAIN SELECT * FROM workloads WHERE orchestrator_id = 'bench-42' ORDER BY submitted_at DESC, workload_id DESC LIMIT 50" | sed 's/^/  workloads by orchestrator: /'
sql "EXPLAIN SELECT * FROM workloads WHERE status = 'paid' ORDER BY submitted_at DESC, workload_id DESC LIMIT 50" | sed 's/^/  workloads by status: /'
sql "EXPLAIN SELECT orchestrator_id, COUNT(*) FROM workloads WHERE submitted_at >= UTC_TIMESTAMP() - INTERVAL 1 HOUR GROUP BY orchestrator_id" | sed 's/^/  summary (1 h range): /'
sql "EXPLAIN SELECT COUNT(*) FROM rate_limit_hits WHERE bucket = 'ip:127.0.0.1' AND hit_at > UTC_TIMESTAMP()" | sed 's/^/  rate-limit window: /'
for item in "${LICENSING_EXPLAIN[@]}"; do
  sql "EXPLAIN ${item#*|}" | sed "s/^/  ${item%%|*}: /"
done

echo
echo "== results ($(nproc) cores, $CONNECTIONS connections, ${SECONDS_PER_ROUTE}s per route) =="
cat "$RESULTS"
