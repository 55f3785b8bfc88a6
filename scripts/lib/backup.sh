# shellcheck shell=bash
# Backup and restore of the local stack; sourced by scripts/dev.sh, which
# provides ROOT, say, die, load_env, set_paths (RUN_DIR, DATA_DIR), pid_alive,
# stop_pid and cmd_up. docs/backups.md is the operator's guide.
#
# A backup is a directory:
#   manifest            written last; "key value" lines (format below)
#   db/payments.sql.gz  mariadb-dump --single-transaction of the database
#   audit/*.log         copies of $PAYMENTS_DATA_DIR/audit/*.log, cut to whole lines
#
# Manifest, one item per line:
#   payments-backup 1
#   created_at 2026-11-25T07:40:00Z
#   database payments
#   schema_version 2
#   server 10.11.6-MariaDB-0+deb12u1-log
#   binlog binlog.000002 1234          (position of the dump; "binlog none" without binlogs)
#   secrets_key_sha256 <hex>|none      (fingerprint of PAYMENTS_SECRETS_KEY, not the key)
#   file <sha256> <bytes> <path>       (one per file, paths relative to the backup)
#
# Restore checks every listed file's size and sha256 and refuses on any
# mismatch, on a missing file or on a file the manifest does not list.

BACKUP_FORMAT=1
BACKUP_DB=payments
BACKUP_DUMP=db/payments.sql.gz

# Same rules as `up`: PAYMENTS_ENV_FILE or .env when there is one (it may set
# PAYMENTS_DATA_DIR). Unlike `up`, never creates .env.
backup_load_env() {
  if [ -n "${PAYMENTS_ENV_FILE:-}" ] || [ -f "$ROOT/.env" ]; then load_env; fi
}

backup_sql() {
  mariadb --no-defaults --socket="$RUN_DIR/mysql.sock" -uroot --batch --skip-column-names "$@"
}

backup_require_db() {
  if ! pid_alive "$RUN_DIR/mariadb.pid" || [ ! -S "$RUN_DIR/mysql.sock" ]; then
    die "the database of ${RUN_DIR#"$ROOT"/} is not running; start the stack with: scripts/dev.sh up"
  fi
  backup_sql -e "SELECT 1" >/dev/null 2>&1 || die "cannot query the database through $RUN_DIR/mysql.sock"
}

backup_sha256() { sha256sum < "$1" | cut -d' ' -f1; }
backup_size() { wc -c < "$1" | tr -d ' '; }

backup_secrets_fingerprint() {
  if [ -n "${PAYMENTS_SECRETS_KEY:-}" ]; then
    printf '%s' "$PAYMENTS_SECRETS_KEY" | sha256sum | cut -d' ' -f1
  else
    echo none
  fi
}

# Copies an audit file that workers may be appending to; a last line caught
# half-written is cut off, so the copy holds whole JSONL lines only.
backup_copy_whole_lines() {
  local src=$1 dst=$2 partial
  cp -- "$src" "$dst"
  if [ -s "$dst" ] && [ -n "$(tail -c 1 "$dst")" ]; then
    partial=$(tail -n 1 "$dst" | wc -c)
    truncate -s "-$partial" "$dst"
    say "dropped a partial last line of $(basename "$src") (being written during the copy)"
  fi
}

# Tables with at least one row, schema_migrations aside.
backup_tables_with_rows() {
  local table
  for table in $(backup_sql -e "SELECT table_name FROM information_schema.tables
      WHERE table_schema = '$BACKUP_DB' AND table_type = 'BASE TABLE'
        AND table_name <> 'schema_migrations' ORDER BY table_name"); do
    [ -z "$(backup_sql -e "SELECT 1 FROM \`$table\` LIMIT 1" "$BACKUP_DB")" ] || echo "$table"
  done
}

backup_audit_files_with_lines() {
  local f
  for f in "$DATA_DIR/audit"/*.log; do
    [ -s "$f" ] && basename "$f"
  done
  return 0
}

# ------------------------------------------------------------------ backup --
cmd_backup() {
  if [ $# -ne 1 ] || [ -z "$1" ] || [ "${1#-}" != "$1" ]; then
    die "usage: scripts/dev.sh backup DIR"
  fi
  local dir=$1
  backup_load_env
  set_paths
  backup_require_db
  if [ -e "$dir" ] && { [ ! -d "$dir" ] || [ -n "$(ls -A "$dir")" ]; }; then
    die "$dir already exists and is not an empty directory; back up into a new one"
  fi
  mkdir -p "$dir/db" "$dir/audit"
  chmod 700 "$dir"
  dir=$(cd "$dir" && pwd)

  local created version server log_bin binlog="none" position
  created=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  version=$(backup_sql -e "SELECT COALESCE(MAX(version), 0) FROM schema_migrations" "$BACKUP_DB" 2>/dev/null) \
    || die "no schema_migrations table in '$BACKUP_DB': the schema was never migrated"
  server=$(backup_sql -e "SELECT VERSION()")
  log_bin=$(backup_sql -e "SELECT @@log_bin")

  # One consistent snapshot (InnoDB, --single-transaction) without blocking
  # the workers; with binlogs on, the dump also records its binlog position
  # (a comment), the starting point of a point-in-time recovery.
  local options=(--single-transaction --routines --triggers --hex-blob
    --default-character-set=utf8mb4)
  [ "$log_bin" = 1 ] && options+=(--master-data=2)
  say "dumping database '$BACKUP_DB' (schema version $version)"
  mariadb-dump --no-defaults --socket="$RUN_DIR/mysql.sock" -uroot "${options[@]}" "$BACKUP_DB" \
    | gzip -6 > "$dir/$BACKUP_DUMP.partial" \
    || die "mariadb-dump failed; nothing was written to the manifest"
  gzip -dc "$dir/$BACKUP_DUMP.partial" | tail -n 1 | grep -q '^-- Dump completed' \
    || die "the dump in $dir is truncated (no 'Dump completed' trailer)"
  mv "$dir/$BACKUP_DUMP.partial" "$dir/$BACKUP_DUMP"
  if [ "$log_bin" = 1 ]; then
    # (gzip may die of SIGPIPE once head has its lines: not an error.)
    position=$({ gzip -dc "$dir/$BACKUP_DUMP" || true; } | head -n 60 \
      | sed -n "s/^-- CHANGE MASTER TO MASTER_LOG_FILE='\([^']*\)', MASTER_LOG_POS=\([0-9]*\);.*/\1 \2/p" | head -n 1)
    binlog=${position:-none}
  fi

  # Audit files right after the dump: they may hold a few lines for requests
  # that finished during the backup, never fewer than the dump implies.
  local f name count=0 lines=0
  if [ -d "$DATA_DIR/audit" ]; then
    for f in "$DATA_DIR/audit"/*.log; do
      [ -f "$f" ] || continue
      name=$(basename "$f")
      [[ "$name" =~ ^[A-Za-z0-9_][A-Za-z0-9._-]*$ ]] || die "unexpected audit file name '$name' in $DATA_DIR/audit"
      backup_copy_whole_lines "$f" "$dir/audit/$name"
      count=$((count + 1))
      lines=$((lines + $(wc -l < "$dir/audit/$name")))
    done
  fi
  local var path
  for var in PAYMENTS_AUDIT_LOG_PATH PAYMENTS_LEDGER_JOURNAL_PATH PAYMENTS_LICENSE_AUDIT_LOG_PATH; do
    path=${!var:-}
    [ -z "$path" ] || [ "$(dirname "$path")" = "$DATA_DIR/audit" ] \
      || say "warning: $var=$path is outside $DATA_DIR/audit and is NOT in this backup"
  done

  {
    echo "payments-backup $BACKUP_FORMAT"
    echo "created_at $created"
    echo "database $BACKUP_DB"
    echo "schema_version $version"
    echo "server $server"
    echo "binlog $binlog"
    echo "secrets_key_sha256 $(backup_secrets_fingerprint)"
    (cd "$dir" && find db audit -type f | LC_ALL=C sort) | while IFS= read -r path; do
      echo "file $(backup_sha256 "$dir/$path") $(backup_size "$dir/$path") $path"
    done
  } > "$dir/manifest.partial"
  mv "$dir/manifest.partial" "$dir/manifest"
  say "backup complete: $dir (schema $version, dump $(backup_size "$dir/$BACKUP_DUMP") bytes, $count audit files with $lines lines, binlog position: $binlog)"
}

# ------------------------------------------------------------------ verify --
# backup_verify DIR: dies unless DIR is a complete backup whose every file
# matches the manifest. Sets BACKUP_SCHEMA_VERSION and BACKUP_SECRETS_SHA256.
backup_verify() {
  local dir=$1 manifest=$1/manifest
  [ -d "$dir" ] || die "no backup directory at $dir"
  [ -f "$manifest" ] || die "$dir has no manifest: not a backup, or one that did not finish"
  [ "$(head -n 1 "$manifest")" = "payments-backup $BACKUP_FORMAT" ] \
    || die "$manifest: not a format-$BACKUP_FORMAT payments backup manifest"

  local key a b c bad=0 listed="" actual path
  BACKUP_SCHEMA_VERSION=""
  BACKUP_SECRETS_SHA256=none
  while read -r key a b c; do
    case $key in
      schema_version) BACKUP_SCHEMA_VERSION=$a ;;
      secrets_key_sha256) BACKUP_SECRETS_SHA256=$a ;;
      database) [ "$a" = "$BACKUP_DB" ] || die "$manifest: backup of database '$a', expected '$BACKUP_DB'" ;;
      file)
        [[ "$c" =~ ^(db|audit)/[A-Za-z0-9_][A-Za-z0-9._-]*$ ]] || die "$manifest: unexpected path '$c'"
        listed+="$c"$'\n'
        if [ ! -f "$dir/$c" ]; then
          say "missing: $c"; bad=1; continue
        fi
        actual=$(backup_size "$dir/$c")
        [ "$actual" = "$b" ] || { say "size mismatch: $c (manifest $b bytes, file $actual)"; bad=1; continue; }
        actual=$(backup_sha256 "$dir/$c")
        [ "$actual" = "$a" ] || { say "checksum mismatch: $c (manifest $a, file $actual)"; bad=1; }
        ;;
    esac
  done < "$manifest"
  [[ "$BACKUP_SCHEMA_VERSION" =~ ^[0-9]+$ ]] || die "$manifest: no schema_version"
  grep -qx "$BACKUP_DUMP" <<<"$listed" || die "$manifest: lists no database dump ($BACKUP_DUMP)"
  while IFS= read -r path; do
    grep -qxF "$path" <<<"$listed" || { say "not in the manifest: $path"; bad=1; }
  done < <(cd "$dir" && find db audit -type f 2>/dev/null | LC_ALL=C sort)
  [ "$bad" = 0 ] || die "backup $dir failed verification; refusing to restore it"
  gzip -t "$dir/$BACKUP_DUMP" 2>/dev/null || die "$dir/$BACKUP_DUMP is not a valid gzip file"
  say "backup $dir verified: every checksum matches (schema version $BACKUP_SCHEMA_VERSION)"
}

# ----------------------------------------------------------------- restore --
cmd_restore() {
  local dir="" force=0 verify_only=0 arg
  for arg in "$@"; do
    case $arg in
      --force) force=1 ;;
      --verify-only) verify_only=1 ;;
      -*) die "restore: unknown option '$arg' (usage: scripts/dev.sh restore DIR [--force] [--verify-only])" ;;
      *) [ -z "$dir" ] || die "restore takes one backup directory"; dir=$arg ;;
    esac
  done
  [ -n "$dir" ] || die "usage: scripts/dev.sh restore DIR [--force] [--verify-only]"
  [ -d "$dir" ] || die "no backup directory at $dir"
  dir=$(cd "$dir" && pwd)

  backup_verify "$dir"
  [ "$verify_only" = 0 ] || return 0

  local newest
  newest=$(find "$ROOT/sql" -maxdepth 1 -name '[0-9][0-9][0-9]_*.sql' -printf '%f\n' | sort | tail -n 1 | cut -c1-3)
  newest=$((10#${newest:-0}))
  [ "$BACKUP_SCHEMA_VERSION" -le "$newest" ] \
    || die "the backup has schema version $BACKUP_SCHEMA_VERSION but this checkout's migrations stop at $newest; restore with the code that made it"

  backup_load_env
  set_paths
  backup_require_db
  if [ "$BACKUP_SECRETS_SHA256" != "$(backup_secrets_fingerprint)" ]; then
    say "warning: PAYMENTS_SECRETS_KEY differs from the one in use when the backup was made;"
    say "warning: secrets encrypted then cannot be decrypted until that key is configured again"
  fi

  local tables audit
  tables=$(backup_tables_with_rows | paste -sd ' ' -)
  audit=$(backup_audit_files_with_lines | paste -sd ' ' -)
  if [ -n "$tables$audit" ]; then
    [ "$force" = 1 ] || die "the stack in ${RUN_DIR#"$ROOT"/} already has data (tables: ${tables:-none}; audit files: ${audit:-none}); restore into a fresh stack, or add --force to replace it"
    local keep
    keep="$RUN_DIR/backups/pre-restore-$(date -u +%Y%m%dT%H%M%SZ)"
    say "--force: saving the current state to $keep first"
    cmd_backup "$keep"
  fi

  # Nothing may write while the database and the audit files are replaced:
  # stop the worker pools (nginx answers 502 meanwhile); `up` restarts them.
  local f
  for f in "$RUN_DIR"/app*.pid; do
    [ -e "$f" ] || continue
    stop_pid "$f" "$(basename "$f" .pid)"
  done

  say "restoring database '$BACKUP_DB' from $dir/$BACKUP_DUMP"
  backup_sql -e "DROP DATABASE IF EXISTS \`$BACKUP_DB\`;
    CREATE DATABASE \`$BACKUP_DB\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
  gzip -dc "$dir/$BACKUP_DUMP" | backup_sql "$BACKUP_DB" \
    || die "loading the dump failed; the database is incomplete: fix the cause and run the restore again with --force"

  mkdir -p "$DATA_DIR/audit"
  rm -f "$DATA_DIR/audit"/*.log
  local count=0
  for f in "$dir"/audit/*.log; do
    [ -f "$f" ] || continue
    cp -- "$f" "$DATA_DIR/audit/$(basename "$f")"
    count=$((count + 1))
  done
  say "restored the database (schema version $BACKUP_SCHEMA_VERSION) and $count audit files; restarting the stack"
  cmd_up
}
