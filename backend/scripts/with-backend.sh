#!/usr/bin/env bash
# Run a command against a freshly started backend, then stop the backend.
#   backend/scripts/with-backend.sh PORT DBNAME -- command [args...]
# Creates an empty PostgreSQL database DBNAME (on the server of DATABASE_URL, default local),
# migrates it, serves the API (and the SPA build, if any) with gunicorn on 127.0.0.1:PORT in demo
# mode (OTP_ECHO=true, no SMS delay unless OTP_SEND_DELAY is set, random secrets unless set), waits
# until /api/health/ answers, runs the command with BASE_URL set, and stops the server whatever the
# command's outcome.
set -euo pipefail

if [[ $# -lt 4 || "$3" != "--" ]]; then
  echo "usage: $0 PORT DBNAME -- command [args...]" >&2
  exit 2
fi
port=$1 dbname=$2
shift 3

repo=$(cd "$(dirname "$0")/../.." && pwd)
py="$repo/.venv/bin/python"
server_url=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
export DATABASE_URL="${server_url%/*}/$dbname"

"$py" - "$server_url" "$dbname" <<'PY'
import sys
import dj_database_url, psycopg2
cfg = dj_database_url.parse(sys.argv[1])
conn = psycopg2.connect(dbname="postgres", user=cfg.get("USER") or None, password=cfg.get("PASSWORD") or None,
                        host=cfg.get("HOST") or None, port=cfg.get("PORT") or None)
conn.autocommit = True
with conn.cursor() as cur:
    cur.execute(f'DROP DATABASE IF EXISTS "{sys.argv[2]}" WITH (FORCE)')
    cur.execute(f'CREATE DATABASE "{sys.argv[2]}"')
PY

export DJANGO_DEBUG=${DJANGO_DEBUG:-true} OTP_ECHO=${OTP_ECHO:-true} OTP_SEND_DELAY=${OTP_SEND_DELAY:-0}
export HOST=127.0.0.1 PORT=$port WEB_CONCURRENCY=${WEB_CONCURRENCY:-2} GUNICORN_ACCESS_LOG=${GUNICORN_ACCESS_LOG:-}
export DJANGO_ALLOWED_HOSTS=${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost}
# A throwaway server: random secrets of its own unless the caller set them (no key is written in the code).
DJANGO_SECRET_KEY=${DJANGO_SECRET_KEY:-$("$py" -c 'import secrets; print(secrets.token_urlsafe(50))')}
JWT_SIGNING_KEY=${JWT_SIGNING_KEY:-$("$py" -c 'import secrets; print(secrets.token_urlsafe(50))')}
export DJANGO_SECRET_KEY JWT_SIGNING_KEY
cd "$repo/backend"
"$py" manage.py migrate --noinput -v0
"$py" manage.py createcachetable
"$py" manage.py collectstatic --noinput -v0

log=$(mktemp -t backend-XXXX.log)
"$repo/.venv/bin/gunicorn" -c gunicorn.conf.py config.wsgi:application >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT

for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/api/health/" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then echo "backend failed to start:" >&2; cat "$log" >&2; exit 1; fi
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$port/api/health/" >/dev/null || { echo "backend did not become healthy" >&2; cat "$log" >&2; exit 1; }

cd "$repo"
export BASE_URL="http://127.0.0.1:$port" E2E_BASE_URL="http://127.0.0.1:$port"
status=0
"$@" || status=$?
if [[ $status -ne 0 ]]; then echo "--- backend log ($log) ---" >&2; tail -n 50 "$log" >&2; fi
exit $status
