"""Helpers for tests over real HTTP: many requests at once, and the production server."""

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import requests
from django.conf import settings

BACKEND_DIR = Path(__file__).resolve().parents[2]


def run_at_once(calls: list[Callable[[requests.Session], requests.Response]]) -> list[requests.Response]:
    """Run each call in its own thread with its own HTTP session, released together by a barrier."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        with requests.Session() as session:
            barrier.wait(timeout=30)
            return call(session)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _test_database_url() -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_until_serving(base: str, process: subprocess.Popen, *, timeout: float, output: Callable[[], str]) -> None:
    """Wait until `base` answers /api/health/ at all; fail with the server's `output()` if `process` exits first
    or `timeout` seconds pass (generous: the machine may be busy)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            requests.get(f"{base}/api/health/", timeout=5)
            return
        except requests.RequestException:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{process.args} did not start serving {base}:\n{output()}") from None
            time.sleep(0.1)


@contextmanager
def gunicorn(**env_overrides):
    """Serve the test database with the production server (gunicorn.conf.py) on a free port; yields its URL."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": _test_database_url(),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_ACCESS_LOG": "",
        "OTP_ECHO": "true",
        # The tests' phones are consecutive numbers: one prefix. Tests of the prefix cap set their own.
        "OTP_MAX_SENDS_PER_PREFIX_PER_HOUR": "100000",
        # Nor a budget, nor the conversion watch (most of their codes are never used): their tests set theirs.
        "SMS_BUDGET_PER_HOUR": "1000000",
        "OTP_CONVERSION_MIN_SENDS": "1000000000",
        # Nor a proof of work (one address, one prefix, many requests): its tests turn the signals on.
        "ALTCHA_RISK_SHARE": "0",
        "ALTCHA_PREFIX_BURST": "0",
        "ALTCHA_AFTER_LIFT_HOURS": "0",
        "SERVE_SPA": "false",
        **env_overrides,
    }
    gunicorn_bin = Path(sys.executable).with_name("gunicorn")
    # The server's output goes to a file: a pipe nobody reads fills up and blocks the server's logging.
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [str(gunicorn_bin), "-c", "gunicorn.conf.py", "config.wsgi:application"],
            cwd=BACKEND_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"

        def output() -> str:
            log.seek(0)
            return log.read().decode()

        try:
            wait_until_serving(base, process, timeout=60, output=output)
            yield base
        finally:
            process.send_signal(signal.SIGINT)  # quick shutdown; SIGTERM would wait for idle keep-alives
            process.wait(timeout=30)
