"""gunicorn settings shared by `make run`, the native stack and the Docker image.

Worker model: gevent. Sign-in waits 1–2 s on the (simulated) SMS gateway; in a gevent worker that
wait is a cooperative sleep, so one worker holds hundreds of waiting sign-ins while it keeps
answering every other request. Sync or gthread workers would spend a whole worker or thread per
waiting sign-in.
"""

import gc
import ipaddress
import multiprocessing
import os
import sys

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", max(2, multiprocessing.cpu_count())))
worker_class = "gevent"
worker_connections = int(os.environ.get("WORKER_CONNECTIONS", "1000"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
# Requests above this size never reach Django.
limit_request_line = 4094
limit_request_fields = 50
# gunicorn's control socket (for gunicornc) goes under $HOME, which the image's user doesn't have and which
# every native instance would share; nothing here uses it.
control_socket_disable = True


# No wait callback to install for the database: psycopg 3 sees gevent's monkey-patching when it is imported (after
# the worker patched, the app isn't preloaded) and waits for PostgreSQL through the patched, cooperative select.


def _is_loopback(address: str) -> bool:
    """True for a bind only this machine can reach: 127.0.0.0/8, ::1, localhost or a Unix socket."""
    if address.startswith(("unix:", "fd://")):
        return True
    host = address.rpartition(":")[0] if address.count(":") == 1 or address.startswith("[") else address
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def on_starting(server):
    # Django's debug pages show settings, paths and code to whoever gets an error: only on this machine.
    # server.cfg.bind is the real bind, however it was given (HOST, -b, GUNICORN_CMD_ARGS).
    debug = os.environ.get("DJANGO_DEBUG", "").lower() in {"1", "true", "yes", "on"}
    exposed = [address for address in server.cfg.bind if not _is_loopback(address)]
    if debug and exposed:
        sys.exit(
            f"Refusing to start: DJANGO_DEBUG=true on {', '.join(exposed)}, which other machines can reach. "
            "Bind a loopback address (HOST=127.0.0.1) or set DJANGO_DEBUG=false."
        )


# The cyclic garbage collector, tuned once the app is loaded. Frozen: the app's own objects (Django, the URL
# resolver, the settings: most of the heap) move to the permanent generation, so no collection walks them again.
# And a young generation of 50,000 instead of 700: a request's objects are freed by reference counting as it ends,
# so at 700 the collector mostly walked the objects of requests still in flight, again and again. Measured at 64
# connections on make run, per worker over 32 s: before, 1,634 young, 149 middle and 14 full collections took 2.4 s
# of CPU (the longest pause 142 ms); after, 7 young collections took 0.2 s (the longest 60 ms).
GC_YOUNG_THRESHOLD = 50_000


def _gc_tune() -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])


def post_worker_init(worker):
    _gc_tune()
    # The worker's database connections are opened before its first request (common/db/pooled_postgresql): opened
    # on demand, the first seconds under load at 64 connections had a p99 of 12 x the p50 in make run. If the
    # database can't be reached yet, the pool opens them on demand as before.
    from django.db import connection

    fill = getattr(getattr(connection, "pool", None), "fill", None)
    if fill is None:
        return
    try:
        worker.log.info("Opened %d pooled database connections", fill())
    except Exception as exc:  # noqa: BLE001 - whatever the driver raises, serving goes on
        worker.log.warning("Pooled database connections not opened ahead (%s); they open on demand", exc)


def post_request(worker, req, environ, resp):
    # Let every request that is ready go before this connection's next one. gevent switches greenlets only when one
    # waits: a kept-alive connection whose client sent its next request at once (wrk, a page's burst of calls) was
    # read and served again without a wait, ahead of connections that had been waiting longer. A WSGI function of
    # 0.9 ms under one gevent worker at 64 connections: p99/p50 3.3-4.0 without this, 1.14 with it; make run (one
    # worker, the profile and the health check): 1.3-2.6 against 5.0-8.2 with two workers and no yield. (Imported
    # here: the master loads this file before any worker exists.)
    import gevent

    gevent.sleep(0)
