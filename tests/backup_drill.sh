#!/usr/bin/env bash
# Backup drill: the restore procedure of docs/backups.md, end to end, on a
# stack of its own.
#
#   seed data through the API over HTTPS -> scripts/dev.sh backup
#   -> refusals (tampered checksum, missing file, stack with data)
#   -> stop and wipe the stack -> fresh `scripts/dev.sh up`
#   -> scripts/dev.sh restore -> the same rows in every table (orchestrators,
#      balances, workloads and ledger tables when the schema has them), the
#      same audit and journal lines, the same API answers.
#
# Never touches the developer's stack: its own PAYMENTS_RUN_DIR (.run/drill),
# PAYMENTS_DATA_DIR, PAYMENTS_HTTPS_PORT (18543) and PAYMENTS_ENV_FILE (a temp
# file), and every other PAYMENTS_* variable of the caller is dropped
# (PAYMENTS_BUILD_DIR aside). Stops what it started, even on failure.
# Overrides: PAYMENTS_DRILL_RUN_DIR, PAYMENTS_DRILL_HTTPS_PORT.
# Exit 0 when every check passed; the last line is "N passed, N failed".
#
# pass and fail always succeed, so `test && pass || fail` is an if/else here.
# shellcheck disable=SC2015
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEV=$ROOT/scripts/dev.sh

run_dir=${PAYMENTS_DRILL_RUN_DIR:-$ROOT/.run/drill}
port=${PAYMENTS_DRILL_HTTPS_PORT:-18543}
build_dir=${PAYMENTS_BUILD_DIR:-}
# `dev.sh up` reconfigures its build dir without sanitizers: never hand it a
# sanitizer build (e.g. the one `PAYMENTS_SANITIZE=1 dev.sh test` runs from).
if [ -n "$build_dir" ] && grep -q '^PAYMENTS_SANITIZE:BOOL=ON' "$build_dir/CMakeCache.txt" 2>/dev/null; then
  build_dir=""
fi
while IFS= read -r name; do unset "$name"; done < <(compgen -e | grep '^PAYMENTS_' || true)
[ -z "$build_dir" ] || export PAYMENTS_BUILD_DIR=$build_dir
case $run_dir in /*) ;; *) run_dir=$ROOT/$run_dir ;; esac
[ "$run_dir" != "$ROOT/.run" ] && [ "$run_dir" != "$ROOT" ] && [ "$run_dir" != / ] \
  || { echo "[drill] refusing to use $run_dir as the drill's run dir" >&2; exit 2; }
export PAYMENTS_RUN_DIR=$run_dir
export PAYMENTS_DATA_DIR=$run_dir/data
export PAYMENTS_HTTPS_PORT=$port
export PAYMENTS_WORKERS=1 PAYMENTS_THREADS=4
# No payment cycle: it would write (and fetch health URLs) between the
# backup and the comparison.
export PAYMENTS_DEV_CYCLE=0

tmp=$(mktemp -d "${TMPDIR:-/tmp}/payments-drill.XXXXXX")
export PAYMENTS_ENV_FILE=$tmp/drill.env
admin=$(openssl rand -hex 24)
cat > "$PAYMENTS_ENV_FILE" <<EOF
PAYMENTS_API_ADMIN_TOKEN=$admin
PAYMENTS_SECRETS_KEY=$(openssl rand -base64 32)
PAYMENTS_REGISTRATION_PER_MINUTE=1000
PAYMENTS_REGISTRATION_BURST=1000
PAYMENTS_ADDRESS_DENYLIST=0x000000000000000000000000000000000000dEaD
PAYMENTS_NGINX_REGISTER_RATE=200r/s
PAYMENTS_NGINX_REGISTER_BURST=200
PAYMENTS_LOG_LEVEL=warning
EOF

passed=0
failed=0
step() { printf '[drill] %s\n' "$*"; }
pass() { passed=$((passed + 1)); printf '[drill]   ok: %s\n' "$*"; }
fail() { failed=$((failed + 1)); printf '[drill]   FAILED: %s\n' "$*"; }
abort() {
  failed=$((failed + 1))
  printf '[drill]   FAILED: %s\n' "$*"
  exit 1
}

finish() {
  local status=$?
  set +e
  step "stopping the drill stack"
  "$DEV" down >/dev/null 2>&1
  if [ "$status" -eq 0 ] && [ "$failed" -eq 0 ]; then
    rm -rf "$run_dir"
  else
    step "kept for inspection: $run_dir (logs in $run_dir/logs), $tmp"
  fi
  [ "$status" -eq 0 ] && [ "$failed" -eq 0 ] && rm -rf "$tmp"
  printf '%d passed, %d failed\n' "$passed" "$failed"
  [ "$failed" -eq 0 ] || status=1
  exit "$status"
}
trap finish EXIT

dev() {  # dev.sh with its chatter in the drill log; dies on failure
  local log=$tmp/dev.log
  printf '\n$ dev.sh %s\n' "$*" >> "$log"
  "$DEV" "$@" >> "$log" 2>&1 || { tail -n 20 "$log" | sed 's/^/[drill]     /'; abort "scripts/dev.sh $*"; }
}

wipe() {
  "$DEV" down >/dev/null 2>&1 || true
  rm -rf "$run_dir"
}

sql() {
  mariadb --no-defaults --socket="$run_dir/mysql.sock" -uroot --batch "$@" payments
}

# api METHOD PATH [JSON]: prints the status; the body is in $tmp/body.
api() {
  local args=(-sS --cacert "$run_dir/tls/cert.pem" -o "$tmp/body" -w '%{http_code}'
    -X "$1" -H "X-Admin-Token: $admin" -H 'Content-Type: application/json')
  [ $# -lt 3 ] || args+=(--data-binary "$3")
  curl "${args[@]}" "https://127.0.0.1:$port$2" || echo 000
}

expect() {  # expect STATUS WHAT METHOD PATH [JSON]
  local want=$1 what=$2 got
  shift 2
  got=$(api "$@")
  if [ "$got" = "$want" ]; then pass "$what ($got)"; else fail "$what: HTTP $got, expected $want: $(head -c 300 "$tmp/body")"; fi
}

# snapshot DIR: every table ordered by its primary key (with column names),
# the audit files, and what the API answers.
snapshot() {
  local out=$1 table key
  mkdir -p "$out/tables" "$out/audit"
  for table in $(sql -N -e "SELECT table_name FROM information_schema.tables
      WHERE table_schema = 'payments' AND table_type = 'BASE TABLE' ORDER BY table_name"); do
    key=$(sql -N -e "SELECT GROUP_CONCAT(CONCAT('\`', column_name, '\`') ORDER BY ordinal_position)
        FROM information_schema.key_column_usage WHERE table_schema = 'payments'
        AND table_name = '$table' AND constraint_name = 'PRIMARY'")
    [ -n "$key" ] && [ "$key" != NULL ] || key=1
    sql -e "SELECT * FROM \`$table\` ORDER BY $key" > "$out/tables/$table.tsv"
  done
  if compgen -G "$PAYMENTS_DATA_DIR/audit/*.log" >/dev/null; then
    cp "$PAYMENTS_DATA_DIR"/audit/*.log "$out/audit/"
  fi
  api GET /api/orchestrators > "$out/api-status"
  cp "$tmp/body" "$out/api-orchestrators.json"
}

rows() {  # data rows of a table dump (mariadb prints no header for none)
  local lines
  lines=$(wc -l < "$1")
  echo $((lines > 0 ? lines - 1 : 0))
}

# lease TOKEN IMAGE_REF: an orchestrator's lease call; prints the status.
lease() {
  curl -sS --cacert "$run_dir/tls/cert.pem" -o "$tmp/body" -w '%{http_code}' -X POST \
    -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
    --data-binary "{\"image_ref\":\"$2\"}" "https://127.0.0.1:$port/api/licenses/lease" || echo 000
}
json_field() {  # json_field NAME < body: the value of a top-level string field
  sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"
}

# ------------------------------------------------------------------- seed --
step "stack A: $run_dir on https://127.0.0.1:$port"
wipe
dev up
touch "$run_dir/.drill"

step "seeding through the API over HTTPS"
address() { printf '0x%040x' "$1"; }
expect 200 "register drill-1 with every optional field" POST /api/orchestrators/register \
  "{\"orchestrator_id\":\"drill-1\",\"address\":\"$(address 1)\",\"capability\":\"gpu-a100\",
    \"contact_email\":\" ops@example.com \",\"host_public_ip\":\"192.0.2.10\",
    \"host_name\":\"hôte-ü-✓\",\"services_healthy\":true,\"health_url\":\"http://127.0.0.1:9/h\",
    \"health_timeout\":2.5,\"monitored_services\":[\"a\",\" b \",\"\"],\"min_service_uptime\":99.5}"
for i in 2 3 4 5; do
  expect 200 "register drill-$i" POST /api/orchestrators/register \
    "{\"orchestrator_id\":\"drill-$i\",\"address\":\"$(address "$i")\"}"
done
expect 200 "refresh drill-1" POST /api/orchestrators/register \
  "{\"orchestrator_id\":\"drill-1\",\"address\":\"$(address 1)\",\"capability\":\"gpu-h100\"}"
expect 403 "denylisted address refused (audit line register_denied)" POST /api/orchestrators/register \
  '{"orchestrator_id":"drill-denied","address":"0x000000000000000000000000000000000000dead"}'

# Workloads and the ledger arrive with a later migration: credit balances
# through them when the API has them, so that balances and journal differ
# from zero; otherwise the drill checks what the schema has.
workloads=0
got=$(api POST /api/workloads '{"workload_id":"drill-w1","orchestrator_id":"drill-1",
  "payout_amount_eth":"1.000000000000000001","artifact_hash":"sha256:aa"}')
case $got in
  404 | 405) step "no workloads API yet ($got): balances stay at zero" ;;
  200)
    workloads=1
    pass "workload drill-w1 created"
    expect 200 "workload drill-w2 created" POST /api/workloads \
      '{"workload_id":"drill-w2","orchestrator_id":"drill-2","payout_amount_eth":"0.5","artifact_uri":"s3://b/x.webm"}'
    expect 200 "workload drill-w3 created" POST /api/workloads \
      '{"workload_id":"drill-w3","orchestrator_id":"drill-1","payout_amount_eth":1e-5,"artifact_hash":"sha256:bb"}'
    expect 200 "drill-w1 verified (credit)" PATCH /api/workloads/drill-w1 '{"status":"verified"}'
    expect 200 "drill-w2 paid (credit)" PATCH /api/workloads/drill-w2 '{"status":"paid","tx_hash":"0xabc"}'
    ;;
  *) fail "POST /api/workloads answered $got: $(head -c 300 "$tmp/body")" ;;
esac

got=$(api POST /api/ledger/adjustments \
  '{"orchestrator_id":"drill-2","amount_eth":"2.25","reason":"drill","notes":"backup drill"}')
case $got in
  200) pass "ledger adjustment for drill-2" ;;
  404 | 405) grep -q 'Unknown orchestrator' "$tmp/body" && fail "ledger adjustment: drill-2 unknown" \
    || step "no ledger adjustments API yet ($got)" ;;
  *) fail "ledger adjustment answered $got: $(head -c 300 "$tmp/body")" ;;
esac

# Licensing: a token (stored hashed) and an image secret (stored encrypted
# under PAYMENTS_SECRETS_KEY) must both work again after the restore.
image=registry.example/drill:1
secret=$(openssl rand -base64 32)
token=""
got=$(api POST /api/licenses/orchestrators/drill-1/tokens)
case $got in
  404 | 405)
    if grep -q 'Unknown orchestrator' "$tmp/body"; then fail "token minting: drill-1 unknown"
    else step "no licensing API yet ($got): no token or image secret to carry over"; fi ;;
  200)
    token=$(json_field token < "$tmp/body")
    [ -n "$token" ] && pass "orchestrator token minted for drill-1" || fail "no token in $(head -c 200 "$tmp/body")"
    expect 200 "image secret stored (encrypted)" PUT /api/licenses/images \
      "{\"image_ref\":\"$image\",\"secret_b64\":\"$secret\"}"
    expect 200 "drill-1 granted the image" POST /api/licenses/access/grant \
      "{\"orchestrator_id\":\"drill-1\",\"image_ref\":\"$image\"}"
    got=$(lease "$token" "$image")
    [ "$got" = 200 ] && [ "$(json_field secret_b64 < "$tmp/body")" = "$secret" ] \
      && pass "lease hands over the image secret" || fail "lease: $got $(head -c 200 "$tmp/body")"
    ;;
  *) fail "token minting answered $got: $(head -c 300 "$tmp/body")" ;;
esac

step "snapshot before the backup"
snapshot "$tmp/before"
[ "$(rows "$tmp/before/tables/orchestrators.tsv")" = 5 ] \
  && pass "5 orchestrators in the database" \
  || fail "expected 5 orchestrators, found $(rows "$tmp/before/tables/orchestrators.tsv")"
registry_lines=$(wc -l < "$tmp/before/audit/registry.log" 2>/dev/null || echo 0)
[ "$registry_lines" -ge 7 ] && pass "registry audit log has $registry_lines lines" \
  || fail "registry audit log has $registry_lines lines, expected at least 7"
if [ "$workloads" = 1 ]; then
  grep -q '1.000000000000000001' "$tmp/before/tables/balances.tsv" \
    && pass "drill-1 balance credited exactly (1.000000000000000001)" \
    || fail "drill-1 balance is not 1.000000000000000001: $(grep drill-1 "$tmp/before/tables/balances.tsv")"
fi

# ----------------------------------------------------------------- backup --
step "backup"
backup=$tmp/backup
dev backup "$backup"
for f in manifest db/payments.sql.gz audit/registry.log; do
  [ -s "$backup/$f" ] && pass "backup has $f" || fail "backup lacks $f"
done
grep -Eq '^schema_version [1-9][0-9]*$' "$backup/manifest" && grep -q '^created_at ' "$backup/manifest" \
  && pass "manifest records time and schema version" || fail "manifest lacks time or schema version"
grep -Eq '^binlog binlog\.[0-9]+ [0-9]+$' "$backup/manifest" \
  && pass "manifest records the binlog position ($(grep '^binlog ' "$backup/manifest"))" \
  || fail "manifest lacks the binlog position"
if "$DEV" backup "$backup" >/dev/null 2>&1; then fail "backup into a non-empty directory was accepted"
else pass "backup refuses a non-empty directory"; fi

# refused  NAME DIR [ARGS] PATTERN: restore must fail, say PATTERN, change nothing.
refused() {
  local what=$1 dir=$2 pattern=$3 out
  shift 3
  out=$("$DEV" restore "$dir" "$@" 2>&1) && { fail "$what: restore succeeded"; return; }
  if ! grep -q "$pattern" <<<"$out"; then
    fail "$what: refused, but without '$pattern': $(tail -n 2 <<<"$out")"
    return
  fi
  snapshot "$tmp/check"
  if diff -r "$tmp/before/tables" "$tmp/check/tables" >/dev/null \
      && diff -r "$tmp/before/audit" "$tmp/check/audit" >/dev/null; then
    pass "$what: refused ('$pattern'), stack unchanged"
  else
    fail "$what: refused, but the stack changed"
  fi
  rm -rf "$tmp/check"
}

step "restores that must be refused"
cp -a "$backup" "$tmp/tampered"
printf '\x01' | dd of="$tmp/tampered/db/payments.sql.gz" bs=1 seek=200 conv=notrunc status=none
refused "dump with a flipped byte, even with --force" "$tmp/tampered" "checksum mismatch" --force
cp -a "$backup" "$tmp/tampered-audit"
sed -i '1s/^{/[/' "$tmp/tampered-audit/audit/registry.log"
refused "edited audit line" "$tmp/tampered-audit" "checksum mismatch" --force
cp -a "$backup" "$tmp/missing"
rm "$tmp/missing/audit/registry.log"
refused "missing audit file" "$tmp/missing" "missing: audit/registry.log" --force
cp -a "$backup" "$tmp/extra"
echo '{"event":"forged"}' > "$tmp/extra/audit/forged.log"
refused "file not in the manifest" "$tmp/extra" "not in the manifest" --force
cp -a "$backup" "$tmp/unfinished"
rm "$tmp/unfinished/manifest"
refused "backup without a manifest" "$tmp/unfinished" "no manifest" --force
refused "valid backup into a stack with data" "$backup" "already has data"
"$DEV" restore "$backup" --verify-only >/dev/null 2>&1 \
  && pass "--verify-only accepts the intact backup" || fail "--verify-only rejects the intact backup"

# ------------------------------------------------------------ wipe, restore --
step "stopping and wiping stack A"
wipe
[ ! -e "$run_dir" ] && pass "run dir and data dir gone" || abort "could not wipe $run_dir"

step "stack B: fresh scripts/dev.sh up"
dev up
touch "$run_dir/.drill"
got=$(api GET /api/orchestrators)
[ "$got" = 200 ] && [ "$(tr -d ' \n' < "$tmp/body")" = '{"orchestrators":[]}' ] \
  && pass "fresh stack is empty" || fail "fresh stack not empty: $got $(head -c 200 "$tmp/body")"

step "restore"
dev restore "$backup"
snapshot "$tmp/after"

step "comparing before and after"
if diff <(ls "$tmp/before/tables") <(ls "$tmp/after/tables") >/dev/null; then
  pass "same tables: $(cd "$tmp/before/tables" && echo *.tsv | sed 's/\.tsv//g')"
else
  fail "tables differ: $(diff <(ls "$tmp/before/tables") <(ls "$tmp/after/tables") | tr '\n' ' ')"
fi
for f in "$tmp"/before/tables/*.tsv; do
  table=$(basename "$f" .tsv)
  if cmp -s "$f" "$tmp/after/tables/$table.tsv"; then
    pass "$table: $(rows "$f") rows identical"
  else
    fail "$table differs after the restore:"
    diff -u "$f" "$tmp/after/tables/$table.tsv" | head -n 20 | sed 's/^/[drill]     /' || true
  fi
done
for f in "$tmp"/before/audit/*.log; do
  [ -e "$f" ] || continue
  name=$(basename "$f")
  if cmp -s "$f" "$tmp/after/audit/$name"; then
    pass "audit $name: $(wc -l < "$f") lines identical"
  else
    fail "audit $name differs after the restore"
  fi
done
if [ "$(cat "$tmp/before/api-status")" = 200 ] && cmp -s "$tmp/before/api-orchestrators.json" "$tmp/after/api-orchestrators.json"; then
  pass "GET /api/orchestrators answers the same as before the backup"
else
  fail "GET /api/orchestrators differs: $(diff <(tr ',' '\n' < "$tmp/before/api-orchestrators.json") <(tr ',' '\n' < "$tmp/after/api-orchestrators.json") | head -n 6 | tr '\n' ' ')"
fi

step "the restored stack keeps working"
expect 200 "drill-1 readable" GET /api/orchestrators/drill-1
grep -q '"registration_count":2' "$tmp/body" && pass "drill-1 keeps registration_count 2" \
  || fail "drill-1 lost its registration_count: $(head -c 300 "$tmp/body")"
expect 200 "new registration after the restore" POST /api/orchestrators/register \
  "{\"orchestrator_id\":\"drill-6\",\"address\":\"$(address 6)\"}"
expect 409 "restored address still owned by drill-2" POST /api/orchestrators/register \
  "{\"orchestrator_id\":\"drill-7\",\"address\":\"$(address 2)\"}"
[ "$(wc -l < "$PAYMENTS_DATA_DIR/audit/registry.log")" -gt "$registry_lines" ] \
  && pass "audit log appends after the restored lines" || fail "audit log did not grow"

if [ -n "$token" ]; then
  got=$(lease "$token" "$image")
  [ "$got" = 200 ] && [ "$(json_field secret_b64 < "$tmp/body")" = "$secret" ] \
    && pass "restored token and encrypted image secret still lease (same secrets key)" \
    || fail "lease after the restore: $got $(head -c 200 "$tmp/body")"
fi

step "container healthcheck script against the live worker pool"
if PAYMENTS_HEALTHCHECK_ADDRESS=$run_dir/fcgi.sock "$ROOT/scripts/healthcheck.sh" >/dev/null; then
  pass "scripts/healthcheck.sh: healthy over FastCGI"
else
  fail "scripts/healthcheck.sh reports the live pool unhealthy"
fi
if PAYMENTS_HEALTHCHECK_ADDRESS=$tmp/no-such.sock "$ROOT/scripts/healthcheck.sh" >/dev/null; then
  fail "scripts/healthcheck.sh passes with no worker behind the address"
else
  pass "scripts/healthcheck.sh: unhealthy with no worker"
fi

step "drill finished"
