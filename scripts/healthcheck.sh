#!/bin/sh
# Container HEALTHCHECK for payments-fcgi (installed in the image as
# /usr/local/bin/payments-healthcheck). The worker pool speaks FastCGI, not
# HTTP, so this sends GET /api/health straight to it with cgi-fcgi (from
# libfcgi-bin) and passes only on a 200: a worker accepted the request, ran
# the handler and reached the database.
#
# Address: PAYMENTS_HEALTHCHECK_ADDRESS (host:port or unix socket path), else
# derived from PAYMENTS_FCGI_LISTEN (0.0.0.0:9000 is asked on 127.0.0.1:9000).
# Exit 0 healthy, 1 unhealthy; one line on stdout says why.
set -eu

listen=${PAYMENTS_FCGI_LISTEN:-127.0.0.1:9000}
case $listen in
  */*) address=$listen ;;
  0.0.0.0:* | :*) address=127.0.0.1:${listen##*:} ;;
  *) address=$listen ;;
esac
address=${PAYMENTS_HEALTHCHECK_ADDRESS:-$address}
seconds=${PAYMENTS_HEALTHCHECK_TIMEOUT:-4}

if ! response=$(env -i PATH=/usr/local/bin:/usr/bin:/bin \
    REQUEST_METHOD=GET REQUEST_URI=/api/health SCRIPT_NAME=/api/health \
    QUERY_STRING= SERVER_PROTOCOL=HTTP/1.1 REMOTE_ADDR=127.0.0.1 \
    REQUEST_ID=healthcheck \
    timeout "$seconds" cgi-fcgi -bind -connect "$address" 2>&1); then
  echo "unhealthy: no FastCGI answer from $address: $(printf '%s' "$response" | head -n 1)"
  exit 1
fi
status=$(printf '%s\n' "$response" | head -n 1 | tr -d '\r')
case $status in
  "Status: 200"*)
    echo "healthy: $address answered $status"
    exit 0
    ;;
esac
echo "unhealthy: $address answered '${status:-nothing}': $(printf '%s' "$response" | tail -n 1)"
exit 1
