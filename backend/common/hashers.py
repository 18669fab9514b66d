"""Password hashing that doesn't stall a gevent worker.

PBKDF2 takes a few hundred milliseconds of CPU by design. In a gevent worker every request is a greenlet on one
thread, so while one password is hashed on that thread no other request of the worker moves: a flood of admin
sign-ins turned the health check's 3 ms into seconds. hashlib's PBKDF2 releases the GIL, so computed on another
thread it runs beside the event loop. The threads are a bounded pool per worker (PASSWORD_HASH_THREADS): a
flood queues for them instead of starting a thread per request.
"""

import os
import threading

from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connections

_pool = None
_pool_pid = None
_pool_lock = threading.Lock()


def _gevent_is_patched() -> bool:
    try:
        from gevent import monkey
    except ImportError:
        return False
    return monkey.is_module_patched("threading")


def _threadpool():
    """This process's pool (made after gunicorn forks the worker: threads don't survive a fork)."""
    global _pool, _pool_pid
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid():
            from gevent.threadpool import ThreadPool

            _pool = ThreadPool(settings.PASSWORD_HASH_THREADS)
            _pool_pid = os.getpid()
        return _pool


def _release_database_connections() -> None:
    """Give this greenlet's database connections back to the worker's pool (outside a transaction only).

    A flood of sign-ins queues for the hashing threads; each waiting with a pooled connection in hand would use up
    DB_POOL_MAX_CONNS, and every other request (the health check, the API) would wait for a connection instead.
    The next query takes one again."""
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None and not connection.in_atomic_block:
            connection.close()


def run_off_event_loop(func, *args):
    """func(*args) on the hashing pool when gevent runs the process (the calling greenlet waits, the others run);
    inline otherwise (tests, management commands, runserver) and when already on a pool thread."""
    if not _gevent_is_patched():
        return func(*args)
    _release_database_connections()
    return _threadpool().apply(func, args)


class ThreadPoolPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """Django's PBKDF2-SHA256 with the same algorithm name and format, so stored hashes verify either way; only
    where it runs changes. verify() and harden_runtime() compute through encode(), so this covers them too."""

    algorithm = "pbkdf2_sha256"

    def encode(self, password, salt, iterations=None):
        return run_off_event_loop(super().encode, password, salt, iterations)
