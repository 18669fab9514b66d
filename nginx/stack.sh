#!/usr/bin/env bash
# The production topology without Docker: nginx (Debian's package) in front of N gunicorn
# instances of the backend, all on PostgreSQL at DATABASE_URL, served on one port.
#
#   nginx/stack.sh start     render the nginx config, migrate, start the backends and nginx
#   nginx/stack.sh stop      stop nginx and the backends (graceful, then forced)
#   nginx/stack.sh status    what runs and whether it answers; exit 3 if something is down
#   nginx/stack.sh run -- command [args...]
#                            start, run the command with BASE_URL (and E2E_BASE_URL) pointing at
#                            nginx, stop whatever the command's outcome; exit with its status
#
# Settings (environment):
#   STACK_PORT        the one public port                     [8080]
#   STACK_HOST        the address nginx listens on            [127.0.0.1]
#   STACK_BACKENDS    number of backend instances             [2]
#   WEB_CONCURRENCY   gevent workers per backend              [1]
#   STACK_DIR         run directory: config, pids, logs, static files [/tmp/referral-stack-$STACK_PORT]
#   DATABASE_URL      PostgreSQL; the database is created if missing [postgres://postgres@127.0.0.1:5432/referral]
#   STACK_RESET_DB    true: drop and recreate that database first (tests, CI) [false]
#   VENV              the backend's virtualenv                [<repo>/.venv]
#   NGINX             the nginx binary                        [nginx on PATH, or /usr/sbin/nginx]
#   NGINX_SPA_ROOT    the built SPA                           [<repo>/frontend/dist]
#   NGINX_LIMIT_REQ, NGINX_LIMIT_RATE, NGINX_LIMIT_BURST, ... see nginx/render.sh
# The backends get the variables of .env.example from the environment. Defaults for a local run:
# DJANGO_DEBUG=false, OTP_ECHO=true, and a random DJANGO_SECRET_KEY / JWT_SIGNING_KEY per start when
# unset (shared by all instances). Always: TRUSTED_PROXY_HOPS=1 (this nginx is the one hop),
# SERVE_SPA=false (nginx serves it), STATIC_ROOT in STACK_DIR (nginx serves it too).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

STACK_PORT=${STACK_PORT:-8080}
STACK_HOST=${STACK_HOST:-127.0.0.1}
STACK_BACKENDS=${STACK_BACKENDS:-2}
STACK_DIR=${STACK_DIR:-${TMPDIR:-/tmp}/referral-stack-$STACK_PORT}
VENV=${VENV:-$repo/.venv}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
conf_dir=$STACK_DIR/nginx

log() { echo "stack: $*"; }
die() { echo "stack: $*" >&2; exit 1; }

backend_port() { echo $((STACK_PORT + $1)); }

alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

healthy() { curl -fsS --max-time 3 "$1/api/health/" >/dev/null 2>&1; }

wait_healthy() {  # url pidfile logfile
    for _ in $(seq 1 150); do
        healthy "$1" && return 0
        if ! alive "$2"; then
            echo "stack: the process behind $1 exited; last lines of $3:" >&2
            tail -n 30 "$3" >&2 || true
            return 1
        fi
        sleep 0.2
    done
    echo "stack: $1 did not become healthy in 30 s; last lines of $3:" >&2
    tail -n 30 "$3" >&2 || true
    return 1
}

# Stop the process in a pid file: the polite signal first, then KILL after `grace` seconds.
stop_pid() {  # pidfile signal grace name
    local pidfile=$1 signal=$2 grace=$3 name=$4 pid
    if ! alive "$pidfile"; then
        rm -f "$pidfile"
        return 0
    fi
    pid=$(cat "$pidfile")
    kill "-$signal" "$pid" 2>/dev/null || true
    for _ in $(seq 1 $((grace * 10))); do
        kill -0 "$pid" 2>/dev/null || { log "stopped $name (pid $pid)"; rm -f "$pidfile"; return 0; }
        sleep 0.1
    done
    log "$name (pid $pid) did not stop in ${grace} s: killing it"
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$pidfile"
}

backend_env() {
    export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/referral}
    export DJANGO_DEBUG=${DJANGO_DEBUG:-false}
    export DJANGO_ALLOWED_HOSTS=${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost}
    # Exactly one proxy (this nginx) is in front of every backend.
    export TRUSTED_PROXY_HOPS=1
    export OTP_ECHO=${OTP_ECHO:-true}
    export SERVE_SPA=false
    # One gevent worker per backend: with STACK_BACKENDS=2 that is one process per core of a 2-core
    # machine, the fastest layout measured (BENCHMARKS.md, "Worker configurations tried").
    export WEB_CONCURRENCY=${WEB_CONCURRENCY:-1}
    export STATIC_ROOT=$STACK_DIR/static
    # nginx logs every request; gunicorn's access log would say it again (GUNICORN_ACCESS_LOG=- turns it on).
    export GUNICORN_ACCESS_LOG=${GUNICORN_ACCESS_LOG-}
    local py=$VENV/bin/python
    if [[ -z ${DJANGO_SECRET_KEY:-} ]]; then
        DJANGO_SECRET_KEY=$("$py" -c 'import secrets; print(secrets.token_urlsafe(50))')
        export DJANGO_SECRET_KEY
    fi
    if [[ -z ${JWT_SIGNING_KEY:-} ]]; then
        JWT_SIGNING_KEY=$("$py" -c 'import secrets; print(secrets.token_urlsafe(50))')
        export JWT_SIGNING_KEY
    fi
}

# Create the database of DATABASE_URL if it does not exist (or recreate it: STACK_RESET_DB=true).
ensure_database() {
    "$VENV/bin/python" - "$DATABASE_URL" "${STACK_RESET_DB:-false}" <<'PY'
import sys
import dj_database_url, psycopg2
url, reset = sys.argv[1], sys.argv[2].lower() in ("1", "true", "yes", "on")
cfg = dj_database_url.parse(url)
name = cfg["NAME"]
if not cfg["ENGINE"].endswith("postgresql") or not name:
    sys.exit(f"stack: DATABASE_URL must name a PostgreSQL database, got {url.split('@')[-1]!r}")
try:
    conn = psycopg2.connect(dbname="postgres", user=cfg.get("USER") or None, password=cfg.get("PASSWORD") or None,
                            host=cfg.get("HOST") or None, port=cfg.get("PORT") or None, connect_timeout=5)
except psycopg2.OperationalError as exc:
    sys.exit(f"stack: PostgreSQL does not answer: {str(exc).strip().splitlines()[0]}")
conn.autocommit = True
with conn.cursor() as cur:
    if reset:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
    if cur.fetchone() is None:
        cur.execute(f'CREATE DATABASE "{name}"')
PY
}

cmd_start() {
    [[ -x $NGINX ]] || die "nginx not found (apt-get install nginx, or set NGINX=/path/to/nginx)"
    [[ -x $VENV/bin/gunicorn ]] || die "no backend virtualenv at $VENV (run: make install)"
    local spa_root=${NGINX_SPA_ROOT:-$repo/frontend/dist}
    [[ -f $spa_root/index.html ]] || die "no SPA build at $spa_root (run: make frontend-build)"
    [[ $STACK_BACKENDS =~ ^[1-9][0-9]*$ ]] || die "STACK_BACKENDS must be a positive number"

    local i
    if alive "$conf_dir/nginx.pid"; then die "already running in $STACK_DIR (nginx/stack.sh stop)"; fi
    for ((i = 1; i <= STACK_BACKENDS; i++)); do
        if alive "$STACK_DIR/backend-$i.pid"; then die "already running in $STACK_DIR (nginx/stack.sh stop)"; fi
    done
    for port in "$STACK_PORT" $(for ((i = 1; i <= STACK_BACKENDS; i++)); do backend_port "$i"; done); do
        if port_busy "$port"; then die "port $port is already in use"; fi
    done

    mkdir -p "$STACK_DIR"
    # nginx's workers drop root privileges, so everything they read lives in this directory,
    # readable by all; the SPA is copied in (as a deployment would copy it).
    chmod 755 "$STACK_DIR"
    rm -rf "$STACK_DIR/spa"
    cp -R "$spa_root" "$STACK_DIR/spa"
    chmod -R a+rX "$STACK_DIR/spa"

    backend_env
    ensure_database || die "cannot reach or create the database"
    log "migrating $(echo "$DATABASE_URL" | sed -E 's#//[^@/]*@#//***@#')"
    (
        cd "$repo/backend"
        "$VENV/bin/python" manage.py migrate --noinput -v0
        "$VENV/bin/python" manage.py createcachetable
        "$VENV/bin/python" manage.py collectstatic --noinput -v0
    ) >"$STACK_DIR/release.log" 2>&1 || { cat "$STACK_DIR/release.log" >&2; die "migrate/collectstatic failed"; }

    local backends=""
    for ((i = 1; i <= STACK_BACKENDS; i++)); do
        backends+="${backends:+ }127.0.0.1:$(backend_port "$i")"
    done
    NGINX_CONF_DIR=$conf_dir NGINX_LISTEN="$STACK_HOST:$STACK_PORT" NGINX_BACKENDS="$backends" \
        NGINX_SPA_ROOT="$STACK_DIR/spa" NGINX_STATIC_ROOT="$STACK_DIR/static" \
        NGINX_ERROR_LOG="$conf_dir/error.log" NGINX_ACCESS_LOG="${NGINX_ACCESS_LOG:-$conf_dir/access.log}" \
        "$here/render.sh" >/dev/null
    "$NGINX" -t -q -c "$conf_dir/nginx.conf" -p "$conf_dir/" || die "nginx -t failed"

    for ((i = 1; i <= STACK_BACKENDS; i++)); do
        local port
        port=$(backend_port "$i")
        (
            cd "$repo/backend"
            HOST=127.0.0.1 PORT=$port exec setsid "$VENV/bin/gunicorn" -c gunicorn.conf.py \
                --pid "$STACK_DIR/backend-$i.pid" config.wsgi:application
        ) >"$STACK_DIR/backend-$i.log" 2>&1 </dev/null &
    done
    for ((i = 1; i <= STACK_BACKENDS; i++)); do
        # gunicorn writes its pid file once it is up; give it a moment before judging it.
        for _ in $(seq 1 50); do [[ -s $STACK_DIR/backend-$i.pid ]] && break; sleep 0.1; done
        wait_healthy "http://127.0.0.1:$(backend_port "$i")" "$STACK_DIR/backend-$i.pid" \
            "$STACK_DIR/backend-$i.log" || { cmd_stop >/dev/null; die "backend $i failed to start"; }
    done

    "$NGINX" -c "$conf_dir/nginx.conf" -p "$conf_dir/" || { cmd_stop >/dev/null; die "nginx failed to start"; }
    wait_healthy "http://127.0.0.1:$STACK_PORT" "$conf_dir/nginx.pid" "$conf_dir/error.log" \
        || { cmd_stop >/dev/null; die "nginx does not reach the backends"; }
    log "up on http://$STACK_HOST:$STACK_PORT/ (nginx -> $STACK_BACKENDS backend(s): $backends)"
    log "logs and config in $STACK_DIR; stop with: nginx/stack.sh stop"
}

cmd_stop() {
    local i pidfile
    # nginx first, so no request reaches a backend that is going away.
    stop_pid "$conf_dir/nginx.pid" QUIT 10 nginx
    shopt -s nullglob
    for pidfile in "$STACK_DIR"/backend-*.pid; do
        i=${pidfile##*/backend-}
        stop_pid "$pidfile" TERM 25 "backend ${i%.pid}"
    done
    log "stopped ($STACK_DIR)"
}

cmd_status() {
    local down=0 pidfile name url
    shopt -s nullglob
    for pidfile in "$conf_dir/nginx.pid" "$STACK_DIR"/backend-*.pid; do
        if [[ $pidfile == */nginx.pid ]]; then
            name=nginx url="http://127.0.0.1:$STACK_PORT"
        else
            name=${pidfile##*/}; name=${name%.pid}; url="http://127.0.0.1:$(backend_port "${name#backend-}")"
        fi
        if alive "$pidfile" && healthy "$url"; then
            echo "$name: up (pid $(cat "$pidfile"), $url)"
        elif alive "$pidfile"; then
            echo "$name: running but not healthy (pid $(cat "$pidfile"), $url)"; down=1
        else
            echo "$name: down"; down=1
        fi
    done
    [[ -f $conf_dir/nginx.pid ]] || { echo "not running ($STACK_DIR)"; down=1; }
    return $((down * 3))
}

cmd_run() {
    [[ ${1:-} == -- ]] && shift
    [[ $# -gt 0 ]] || die "usage: $0 run -- command [args...]"
    cmd_start
    trap 'cmd_stop; exit 130' INT TERM
    local status=0
    BASE_URL="http://127.0.0.1:$STACK_PORT" E2E_BASE_URL="http://127.0.0.1:$STACK_PORT" "$@" || status=$?
    cmd_stop
    return "$status"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    run) shift; cmd_run "$@" ;;
    *) echo "usage: $0 start|stop|status|run -- command   (settings: see the top of this file)" >&2; exit 2 ;;
esac
