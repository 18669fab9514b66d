#!/bin/sh
# Entry point of the backend image.
#   release       one-off steps before serving: migrate, create the cache table, collectstatic, and the
#                 webhook endpoints of WEBHOOK_URL (manage.py webhook_endpoints_sync).
#                 docker compose runs it once, in the `migrate` service, before any backend starts,
#                 so replicas never race each other through migrations.
#   healthcheck   exit 0 when /api/health/ answers 200 (the database is reachable).
#   anything else is run as is (default: gunicorn; the worker service: manage.py procrastinate worker).
set -eu

case "${1:-}" in
    release)
        python manage.py migrate --noinput
        python manage.py createcachetable
        python manage.py collectstatic --noinput -v0
        python manage.py webhook_endpoints_sync
        echo "release: migrations applied, static files collected into ${STATIC_ROOT:-staticfiles}"
        ;;
    healthcheck)
        # Ask with a Host that DJANGO_ALLOWED_HOSTS accepts, whatever the deployment's domain.
        exec python - <<'PY'
import os, sys, urllib.request
host = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split(",")[0].strip().lstrip(".")
host = "localhost" if host in ("", "*") else host
request = urllib.request.Request(
    f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/api/health/", headers={"Host": host}
)
try:
    urllib.request.urlopen(request, timeout=5)
except Exception as exc:
    sys.exit(f"unhealthy: {exc}")
PY
        ;;
    *)
        exec "$@"
        ;;
esac
