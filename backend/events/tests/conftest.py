"""A real worker process and a real HTTP receiver on 127.0.0.1 for the webhook tests."""

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import dj_database_url
import pytest
from django.db import connection
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

BACKEND = Path(__file__).resolve().parents[2]
# The only ports these tests may listen on.
PORTS = range(18340, 18400)


def free_port() -> int:
    # From a random start: two test runs at once (two checkouts) shouldn't take turns on the same few ports.
    start = random.randrange(len(PORTS))
    for port in [*PORTS[start:], *PORTS[:start]]:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS}")


@dataclass
class Hit:
    at: float
    body: bytes
    headers: dict[str, str]


@dataclass
class Receiver:
    """An HTTP receiver whose answers the test scripts: `per_event` (by webhook-id), then `answers`, are consumed one
    per request (an int is a status, "hang" holds the request until the test ends); `default` answers the rest."""

    server: HTTPServer
    # A path of its own: a request meant for another run's receiver that once had this port isn't counted.
    path: str = field(default_factory=lambda: f"/hook/{uuid.uuid4().hex}")
    hits: list[Hit] = field(default_factory=list)
    answers: list = field(default_factory=list)
    per_event: dict[str, list] = field(default_factory=dict)
    default: int = 200
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return self.server.url_for(self.path)

    def handle(self, request: Request) -> Response:
        with self.lock:
            self.hits.append(Hit(time.monotonic(), request.get_data(), dict(request.headers)))
            script = self.per_event.get(request.headers.get("webhook-id", ""))
            answer = script.pop(0) if script else self.answers.pop(0) if self.answers else self.default
        if answer == "hang":
            self.release.wait(60)
            return Response("too late", status=200)
        return Response("ok" if answer < 400 else "no", status=answer)

    def start(self) -> None:
        self.server.start()

    def stop(self) -> None:
        self.release.set()
        if self.server.is_running():
            self.server.stop()


def make_receiver(port: int | None = None) -> Receiver:
    server = HTTPServer(host="127.0.0.1", port=port or free_port(), threaded=True)
    receiver = Receiver(server)
    server.expect_request(receiver.path, method="POST").respond_with_handler(receiver.handle)
    return receiver


@pytest.fixture
def receiver():
    receiver = make_receiver()
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture
def clean_queue(transactional_db):
    """The queue's tables are not Django's to flush: emptied before and after each test."""

    def clean():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM procrastinate_jobs; DELETE FROM procrastinate_workers;")
            cursor.execute("DELETE FROM procrastinate_periodic_defers")

    clean()
    yield
    clean()


class Workers:
    """`manage.py procrastinate worker` processes on the test database."""

    def __init__(self, env: dict[str, str]):
        self.env = env
        self.procs: list[subprocess.Popen] = []

    def start(self, **env: str) -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "procrastinate", "worker"],
            cwd=BACKEND, env={**self.env, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True,
        )  # fmt: skip
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture
def workers(clean_queue):
    url = dj_database_url.parse(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/referral"))
    test_db = connection.settings_dict["NAME"]
    user = url.get("USER") or "postgres"
    password = f":{url['PASSWORD']}" if url.get("PASSWORD") else ""
    host = url.get("HOST") or "127.0.0.1"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "events.tests.worker_settings",
        "DATABASE_URL": f"postgres://{user}{password}@{host}:{url.get('PORT') or 5432}/{test_db}",
        "WEBHOOK_RETRY_BASE": "0.3",
        "WEBHOOK_TIMEOUT": "3",
        "WEBHOOK_MAX_ATTEMPTS": "5",
    }
    workers = Workers(env)
    yield workers
    workers.stop()


def wait_for(condition, seconds: float = 20, what: str = "the condition"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what} did not happen in {seconds} s")
