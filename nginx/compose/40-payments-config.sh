#!/bin/sh
# Start-up hook for the official nginx image (mounted into
# /docker-entrypoint.d/, which the image's entrypoint runs before nginx):
#
#  1. TLS: uses $TLS_DIR/$PAYMENTS_TLS_CERT_FILE and $PAYMENTS_TLS_KEY_FILE
#     (default cert.pem / key.pem) when both exist; when neither does,
#     generates a self-signed pair there for PAYMENTS_TLS_SERVER_NAME (first
#     start only; it is kept on the volume). Only one of the two: an error.
#  2. Renders nginx.conf.template into the nginx.conf nginx will load,
#     validating each PAYMENTS_NGINX_* value so a typo fails with one clear
#     line instead of an nginx parse error.
#
# Paths can be moved for tests (scripts/check-deploy.sh runs this very script
# outside a container): PAYMENTS_NGINX_CONF_DIR (templates and includes,
# default /etc/nginx/payments), PAYMENTS_NGINX_OUTPUT (/etc/nginx/nginx.conf),
# PAYMENTS_NGINX_TLS_DIR (/etc/nginx/tls), PAYMENTS_NGINX_DOCS_DIR
# (/srv/docs), PAYMENTS_NGINX_UPSTREAM (fcgi_app:9000).
set -eu

me=40-payments-config
say() { echo "$me: $*"; }
fail() { echo "$me: error: $*" >&2; exit 1; }

conf_dir=${PAYMENTS_NGINX_CONF_DIR:-/etc/nginx/payments}
output=${PAYMENTS_NGINX_OUTPUT:-/etc/nginx/nginx.conf}
tls_dir=${PAYMENTS_NGINX_TLS_DIR:-/etc/nginx/tls}
docs_dir=${PAYMENTS_NGINX_DOCS_DIR:-/srv/docs}
upstream=${PAYMENTS_NGINX_UPSTREAM:-fcgi_app:9000}
cert_file=${PAYMENTS_TLS_CERT_FILE:-cert.pem}
key_file=${PAYMENTS_TLS_KEY_FILE:-key.pem}
server_name=${PAYMENTS_TLS_SERVER_NAME:-localhost}

register_rate=${PAYMENTS_NGINX_REGISTER_RATE:-5r/s}
register_burst=${PAYMENTS_NGINX_REGISTER_BURST:-20}
api_rate=${PAYMENTS_NGINX_API_RATE:-1000r/s}
api_burst=${PAYMENTS_NGINX_API_BURST:-2000}
max_body=${PAYMENTS_NGINX_MAX_BODY:-1m}

# ------------------------------------------------------------- validation --
matches() { printf '%s\n' "$2" | grep -Eq "^($1)\$"; }
check() {  # NAME VALUE REGEX WHAT
  matches "$3" "$2" || fail "$1: must be $4, got '$2'"
}
check PAYMENTS_NGINX_REGISTER_RATE "$register_rate" '[1-9][0-9]*r/[sm]' 'a rate like 5r/s or 300r/m'
check PAYMENTS_NGINX_API_RATE "$api_rate" '[1-9][0-9]*r/[sm]' 'a rate like 1000r/s'
check PAYMENTS_NGINX_REGISTER_BURST "$register_burst" '[0-9]+' 'a whole number'
check PAYMENTS_NGINX_API_BURST "$api_burst" '[0-9]+' 'a whole number'
check PAYMENTS_NGINX_MAX_BODY "$max_body" '[1-9][0-9]*[kKmM]?' 'a size like 1m or 512k'
check PAYMENTS_TLS_SERVER_NAME "$server_name" '[A-Za-z0-9*]([A-Za-z0-9.-]*[A-Za-z0-9])?' 'a DNS name'
check PAYMENTS_NGINX_UPSTREAM "$upstream" '[A-Za-z0-9_.-]+:[0-9]+' 'host:port'

real_ip=""
for proxy in $(printf '%s' "${PAYMENTS_TRUSTED_PROXIES:-}" | tr ',' ' '); do
  check PAYMENTS_TRUSTED_PROXIES "$proxy" '[0-9A-Fa-f.:]+(/[0-9]{1,3})?' 'a comma list of IPs or CIDRs'
  real_ip="${real_ip}  set_real_ip_from $proxy;
"
done
if [ -n "$real_ip" ]; then
  real_ip="${real_ip}  real_ip_header X-Forwarded-For;
  real_ip_recursive on;"
fi

# -------------------------------------------------------------------- TLS --
cert=$tls_dir/$cert_file
key=$tls_dir/$key_file
if [ -f "$cert" ] && [ -f "$key" ]; then
  say "TLS certificate $cert"
elif [ -e "$cert" ] || [ -e "$key" ]; then
  fail "only one of $cert and $key exists; provide both, or neither for a self-signed pair"
else
  command -v openssl >/dev/null 2>&1 \
    || fail "no certificate at $cert and no openssl to make one; mount a certificate (PAYMENTS_TLS_DIR)"
  mkdir -p "$(dirname "$cert")" "$(dirname "$key")"
  say "no certificate in $tls_dir: generating a self-signed one for $server_name (replace it for production, see docs/operations.md)"
  umask 077
  openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=$server_name" \
    -addext "subjectAltName=DNS:$server_name" \
    -keyout "$key.tmp" -out "$cert.tmp" >/dev/null 2>&1 \
    || fail "openssl could not generate a self-signed certificate in $tls_dir"
  chmod 0644 "$cert.tmp"
  mv "$key.tmp" "$key"
  mv "$cert.tmp" "$cert"
  umask 022
fi

# ----------------------------------------------------------------- render --
template=$conf_dir/nginx.conf.template
[ -f "$template" ] || fail "missing $template (is ./nginx/compose mounted at $conf_dir?)"
tmp=$output.tmp
sed -e "s|@CONF_DIR@|$conf_dir|g" -e "s|@DOCS_DIR@|$docs_dir|g" \
    -e "s|@TLS_CERT@|$cert|g" -e "s|@TLS_KEY@|$key|g" \
    -e "s|@UPSTREAM_HOST@|${upstream%:*}|g" -e "s|@UPSTREAM_PORT@|${upstream##*:}|g" \
    -e "s|@REGISTER_RATE@|$register_rate|g" -e "s|@REGISTER_BURST@|$register_burst|g" \
    -e "s|@API_RATE@|$api_rate|g" -e "s|@API_BURST@|$api_burst|g" \
    -e "s|@MAX_BODY@|$max_body|g" "$template" \
  | awk -v realip="$real_ip" '{ if ($0 == "@REAL_IP@") print realip; else print }' > "$tmp"
if grep -v '^[[:space:]]*#' "$tmp" | grep -E '@[A-Z_]+@' >&2; then
  rm -f "$tmp"
  fail "unfilled placeholders in $template (above)"
fi
mv "$tmp" "$output"
say "wrote $output (register $register_rate burst $register_burst, api $api_rate burst $api_burst, body $max_body, upstream $upstream)"
