#!/bin/sh
# Render nginx.conf and referral.conf from the templates beside this script.
#
# One config serves both the Docker image (which runs this script from /docker-entrypoint.d/
# before nginx starts) and the native stack (tools/stack/stack.py). Settings come from the environment:
#
#   NGINX_CONF_DIR            where nginx.conf and referral.conf are written (required)
#   NGINX_LISTEN              listen address or port                      [8080]
#   NGINX_BACKENDS            backend host:port list, space or comma separated [127.0.0.1:8000]
#   NGINX_BACKEND_OPTS        extra parameters for each upstream server, e.g. "resolve" []
#   NGINX_RESOLVER            DNS server for "resolve" upstreams (Docker: 127.0.0.11) []
#   NGINX_SPA_ROOT            the built SPA (frontend/dist)               [/usr/share/nginx/spa]
#   NGINX_STATIC_ROOT         Django's collectstatic output               [/srv/static]
#   NGINX_LIMIT_REQ           on|off: the per-IP limits below (login, verify, admin sign-in) [on]
#   NGINX_LIMIT_RATE          per-IP rate of /api/verify/, r/s or r/m     [1r/s]
#   NGINX_LIMIT_BURST         requests allowed above the rate at once     [20]
#   NGINX_LOGIN_LIMIT_RATE    per-IP rate of /api/login/ (each may send an SMS), r/s or r/m [6r/m]
#   NGINX_LOGIN_LIMIT_BURST   requests to /api/login/ allowed above that rate at once [5]
#   NGINX_ADMIN_LIMIT_RATE    per-IP rate of POSTs to /admin/login/ (also switched by NGINX_LIMIT_REQ) [10r/m]
#   NGINX_ADMIN_LIMIT_BURST   POSTs to /admin/login/ allowed above that rate at once [10]
#   NGINX_REAL_IP_FROM        addresses/CIDRs of a trusted proxy in front (TLS terminator) []
#   NGINX_CLIENT_MAX_BODY_SIZE                                            [64k]
#   NGINX_WORKER_PROCESSES                                                [auto]
#   NGINX_USER                user for worker processes when started as root []
#   NGINX_PID, NGINX_TEMP_DIR, NGINX_ERROR_LOG, NGINX_ERROR_LOG_LEVEL, NGINX_ACCESS_LOG,
#   NGINX_MIME_TYPES          paths [NGINX_CONF_DIR/nginx.pid, NGINX_CONF_DIR/tmp, stderr, warn,
#                             /dev/stdout, /etc/nginx/mime.types]
#
# POSIX sh: it runs under busybox in the nginx:alpine image and under dash/bash natively.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
template_dir=${NGINX_TEMPLATE_DIR:-$here}
: "${NGINX_CONF_DIR:?NGINX_CONF_DIR must name the directory to write the config into}"

export NGINX_CONF_DIR
export NGINX_LISTEN="${NGINX_LISTEN:-8080}"
export NGINX_SPA_ROOT="${NGINX_SPA_ROOT:-/usr/share/nginx/spa}"
export NGINX_STATIC_ROOT="${NGINX_STATIC_ROOT:-/srv/static}"
export NGINX_LIMIT_RATE="${NGINX_LIMIT_RATE:-1r/s}"
export NGINX_ADMIN_LIMIT_RATE="${NGINX_ADMIN_LIMIT_RATE:-10r/m}"
export NGINX_LOGIN_LIMIT_RATE="${NGINX_LOGIN_LIMIT_RATE:-6r/m}"
export NGINX_CLIENT_MAX_BODY_SIZE="${NGINX_CLIENT_MAX_BODY_SIZE:-64k}"
export NGINX_WORKER_PROCESSES="${NGINX_WORKER_PROCESSES:-auto}"
export NGINX_PID="${NGINX_PID:-$NGINX_CONF_DIR/nginx.pid}"
export NGINX_TEMP_DIR="${NGINX_TEMP_DIR:-$NGINX_CONF_DIR/tmp}"
export NGINX_ERROR_LOG="${NGINX_ERROR_LOG:-stderr}"
export NGINX_ERROR_LOG_LEVEL="${NGINX_ERROR_LOG_LEVEL:-warn}"
export NGINX_ACCESS_LOG="${NGINX_ACCESS_LOG:-/dev/stdout}"
export NGINX_MIME_TYPES="${NGINX_MIME_TYPES:-/etc/nginx/mime.types}"

# Lists become one directive per entry.
nl='
'
servers=""
for backend in $(echo "${NGINX_BACKENDS:-127.0.0.1:8000}" | tr ',' ' '); do
    servers="${servers}    server ${backend}${NGINX_BACKEND_OPTS:+ $NGINX_BACKEND_OPTS};${nl}"
done
export NGINX_UPSTREAM_SERVERS="$servers"

real_ip="" geo=""
for proxy in $(echo "${NGINX_REAL_IP_FROM:-}" | tr ',' ' '); do
    real_ip="${real_ip}set_real_ip_from ${proxy};${nl}"
    geo="${geo}    ${proxy} 1;${nl}"
done
if [ -n "$real_ip" ]; then
    real_ip="${real_ip}real_ip_header X-Forwarded-For;${nl}real_ip_recursive on;"
fi
export NGINX_REAL_IP_DIRECTIVES="$real_ip" NGINX_TRUSTED_PROXY_GEO="$geo"

export NGINX_RESOLVER_DIRECTIVE=""
if [ -n "${NGINX_RESOLVER:-}" ]; then
    NGINX_RESOLVER_DIRECTIVE="resolver ${NGINX_RESOLVER} valid=10s ipv6=off;"
fi

export NGINX_USER_DIRECTIVE=""
if [ -n "${NGINX_USER:-}" ]; then
    NGINX_USER_DIRECTIVE="user ${NGINX_USER};"
fi

case "${NGINX_LIMIT_REQ:-on}" in
    on|true|1)
        NGINX_LIMIT_REQ_DIRECTIVE="limit_req zone=referral_sign_in burst=${NGINX_LIMIT_BURST:-20} nodelay;"
        NGINX_LOGIN_LIMIT_REQ_DIRECTIVE="limit_req zone=referral_login burst=${NGINX_LOGIN_LIMIT_BURST:-5} nodelay;"
        NGINX_ADMIN_LIMIT_REQ_DIRECTIVE="limit_req zone=referral_admin_login burst=${NGINX_ADMIN_LIMIT_BURST:-10} nodelay;" ;;
    off|false|0)
        NGINX_LIMIT_REQ_DIRECTIVE="# limit_req is off (NGINX_LIMIT_REQ=off)"
        NGINX_LOGIN_LIMIT_REQ_DIRECTIVE="$NGINX_LIMIT_REQ_DIRECTIVE"
        NGINX_ADMIN_LIMIT_REQ_DIRECTIVE="$NGINX_LIMIT_REQ_DIRECTIVE" ;;
    *) echo "render.sh: NGINX_LIMIT_REQ must be on or off, got '${NGINX_LIMIT_REQ}'" >&2; exit 2 ;;
esac
export NGINX_LIMIT_REQ_DIRECTIVE NGINX_LOGIN_LIMIT_REQ_DIRECTIVE NGINX_ADMIN_LIMIT_REQ_DIRECTIVE

# How long a client refused by limit_req should wait: one request's worth of the rate.
retry_after() {  # NAME RATE
    case "$2" in
        *r/s) echo 1 ;;
        *r/m) per_minute=${2%r/m}; echo $(( (60 + per_minute - 1) / per_minute )) ;;
        *) echo "render.sh: $1 must look like 5r/s or 30r/m, got '$2'" >&2; return 2 ;;
    esac
}
NGINX_LIMIT_RETRY_AFTER=$(retry_after NGINX_LIMIT_RATE "$NGINX_LIMIT_RATE") || exit 2
NGINX_ADMIN_LIMIT_RETRY_AFTER=$(retry_after NGINX_ADMIN_LIMIT_RATE "$NGINX_ADMIN_LIMIT_RATE") || exit 2
NGINX_LOGIN_LIMIT_RETRY_AFTER=$(retry_after NGINX_LOGIN_LIMIT_RATE "$NGINX_LOGIN_LIMIT_RATE") || exit 2
export NGINX_LIMIT_RETRY_AFTER NGINX_ADMIN_LIMIT_RETRY_AFTER NGINX_LOGIN_LIMIT_RETRY_AFTER

# Only our own variables are substituted; nginx's ($uri, $remote_addr, ...) stay as they are.
variables='${NGINX_CONF_DIR} ${NGINX_LISTEN} ${NGINX_SPA_ROOT} ${NGINX_STATIC_ROOT} ${NGINX_LIMIT_RATE}
${NGINX_CLIENT_MAX_BODY_SIZE} ${NGINX_WORKER_PROCESSES} ${NGINX_PID} ${NGINX_TEMP_DIR} ${NGINX_ERROR_LOG}
${NGINX_ERROR_LOG_LEVEL} ${NGINX_ACCESS_LOG} ${NGINX_MIME_TYPES} ${NGINX_UPSTREAM_SERVERS}
${NGINX_REAL_IP_DIRECTIVES} ${NGINX_TRUSTED_PROXY_GEO} ${NGINX_RESOLVER_DIRECTIVE} ${NGINX_USER_DIRECTIVE}
${NGINX_LIMIT_REQ_DIRECTIVE} ${NGINX_LIMIT_RETRY_AFTER} ${NGINX_ADMIN_LIMIT_RATE} ${NGINX_ADMIN_LIMIT_REQ_DIRECTIVE}
${NGINX_ADMIN_LIMIT_RETRY_AFTER} ${NGINX_LOGIN_LIMIT_RATE} ${NGINX_LOGIN_LIMIT_REQ_DIRECTIVE}
${NGINX_LOGIN_LIMIT_RETRY_AFTER}'

mkdir -p "$NGINX_CONF_DIR" "$NGINX_TEMP_DIR"
envsubst "$variables" <"$template_dir/nginx.conf.template" >"$NGINX_CONF_DIR/nginx.conf"
envsubst "$variables" <"$template_dir/referral.conf.template" >"$NGINX_CONF_DIR/referral.conf"
echo "render.sh: wrote $NGINX_CONF_DIR/nginx.conf (listen $NGINX_LISTEN, upstream ${NGINX_BACKENDS:-127.0.0.1:8000}, limit_req ${NGINX_LIMIT_REQ:-on})"
