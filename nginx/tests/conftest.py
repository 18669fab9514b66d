"""Fixtures for the stack tests: the native stack (nginx + two backends on PostgreSQL), extra nginx
instances rendered from the same templates, and HTTP clients that connect from chosen loopback
addresses (so each test is its own client IP, and per-IP limits don't leak between tests).

Needs: nginx (Debian's package), PostgreSQL at DATABASE_URL's server, the backend's .venv and the built web app
(frontend/dist: make frontend-build, which make stack-test runs first). A missing one fails the tests, never skips them.
"""

from __future__ import annotations

import itertools
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from requests.adapters import HTTPAdapter
from stack import port_is_free

NGINX_DIR = Path(__file__).resolve().parent.parent
REPO = NGINX_DIR.parent
STACK_PY = REPO / "tools" / "stack" / "stack.py"
RENDER_SH = NGINX_DIR / "render.sh"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
# Each test signs in from its own address, so the per-IP limits below are per test.
THROTTLE_LOGIN = "5/hour"


def free_ports(count: int) -> int:
    """The first of `count` consecutive free ports (STACK_TEST_PORTS, e.g. 18700-18799, keeps them in a range)."""
    low, high = map(int, os.environ.get("STACK_TEST_PORTS", "20000-40000").split("-"))
    for _ in range(200):
        first = random.randint(low, high - count + 1)
        if all(port_is_free(first + i) for i in range(count)):
            return first
    raise RuntimeError("no free port range found")


class SourceAddressAdapter(HTTPAdapter):
    """Connects from a given local address: 127.0.0.0/8 is all ours on Linux."""

    def __init__(self, source_ip: str, **kwargs):
        self.source_ip = source_ip
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source_ip, 0)
        super().init_poolmanager(*args, **kwargs)


class Client(requests.Session):
    def __init__(self, base_url: str, source_ip: str):
        super().__init__()
        self.base_url = base_url
        self.source_ip = source_ip
        self.mount("http://", SourceAddressAdapter(source_ip))

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", 20)
        return super().request(method, self.base_url + url, *args, **kwargs)


_addresses = itertools.count(10)


def next_source_ip() -> str:
    n = next(_addresses)
    return f"127.0.{n // 250}.{n % 250 + 2}"


_used_phones: set[str] = set()


def new_phone() -> str:
    """A valid Russian mobile number not used before in this run."""
    # Random rather than consecutive: consecutive numbers share a prefix, capped per hour like SMS pumping.
    while (phone := f"+7916{random.randrange(10**7):07d}") in _used_phones:
        pass
    _used_phones.add(phone)
    return phone


@dataclass
class Stack:
    url: str
    backend_urls: list[str]
    dir: Path

    def client(self, source_ip: str | None = None) -> Client:
        return Client(self.url, source_ip or next_source_ip())

    def backend_client(self, index: int) -> Client:
        """Straight to one backend instance, bypassing nginx (from 127.0.0.1, as nginx would be)."""
        return Client(self.backend_urls[index], "127.0.0.1")

    @property
    def spa(self) -> Path:
        """The SPA as this stack serves it (the stack copies the build in at start)."""
        return self.dir / "spa"

    def access_log_line(self, needle: str) -> str:
        return access_log_line(self.dir / "nginx" / "access.log", needle)


def access_log_line(path: Path, needle: str) -> str:
    """The one access log line containing `needle` (nginx logs just after it answers)."""
    for _ in range(50):
        lines = [line for line in path.read_text().splitlines() if needle in line]
        if lines:
            (line,) = lines
            return line
        time.sleep(0.1)
    raise AssertionError(f"no line with {needle!r} in {path}")


def world_readable_dir(prefix: str) -> Path:
    """A directory nginx's unprivileged workers can reach (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    return path


def server_database_url() -> str:
    return os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/referral")


def stack_database_url() -> str:
    """DATABASE_URL's database + "_stack" (dropped and created anew): runs with their own DATABASE_URL
    don't reset each other's stack database."""
    url = urlsplit(server_database_url())
    return urlunsplit(url._replace(path=url.path + "_stack"))


@pytest.fixture(scope="session")
def spa_root() -> Path:
    """The real build of the web app, which the stack serves."""
    dist = REPO / "frontend" / "dist"
    if not (dist / "index.html").is_file():
        pytest.fail(f"no build of the web app at {dist}: run make frontend-build (make stack-test does it first)")
    return dist


@pytest.fixture(scope="session")
def stack(spa_root) -> Iterator[Stack]:
    """nginx in front of two backend instances on a fresh PostgreSQL database, via tools/stack/stack.py (honcho)."""
    port = free_ports(3)
    run_dir = world_readable_dir("referral-stack-test-")
    env = {
        **os.environ,
        "STACK_PORT": str(port),
        "STACK_BACKENDS": "2",
        "STACK_DIR": str(run_dir),
        "STACK_RESET_DB": "true",
        "DATABASE_URL": stack_database_url(),
        "NGINX_SPA_ROOT": str(spa_root),
        # The sign-in tests send many requests from loopback; nginx's own limit is tested apart.
        "NGINX_LIMIT_REQ": "off",
        # One worker balances strictly round robin, which the tests rely on.
        "NGINX_WORKER_PROCESSES": "1",
        "WEB_CONCURRENCY": "1",
        "OTP_ECHO": "true",
        "OTP_SEND_DELAY": "0",
        "THROTTLE_LOGIN": THROTTLE_LOGIN,
        "THROTTLE_VERIFY": "30/hour",
        # The tests' addresses share a few /24s (127.0.N.x), so the per-network caps would count them together.
        "THROTTLE_LOGIN_NETWORK": "10000/hour",
        "THROTTLE_VERIFY_NETWORK": "10000/hour",
        # Nor may the caps' tests meet a proof of work on their way to the cap (its own tests turn it on).
        "ALTCHA_RISK_SHARE": "0",
        "ALTCHA_PREFIX_BURST": "0",
        "ALTCHA_AFTER_LIFT_HOURS": "0",
        # Most of the tests' codes are never used: the conversion watch would block the country they all share.
        "OTP_CONVERSION_MIN_SENDS": "1000000000",
        "SMS_BUDGET_PER_HOUR": "1000000",
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "GUNICORN_ACCESS_LOG": "",
    }
    started = subprocess.run(
        [sys.executable, str(STACK_PY), "start"], check=False, env=env, capture_output=True, text=True, timeout=180
    )
    if started.returncode != 0:
        pytest.fail(f"tools/stack/stack.py start failed:\n{started.stdout}\n{started.stderr}")
    try:
        yield Stack(
            url=f"http://127.0.0.1:{port}",
            backend_urls=[f"http://127.0.0.1:{port + 1}", f"http://127.0.0.1:{port + 2}"],
            dir=run_dir,
        )
    finally:
        stopped = subprocess.run(
            [sys.executable, str(STACK_PY), "stop"], check=False, env=env, capture_output=True, text=True, timeout=120
        )
        assert stopped.returncode == 0, stopped.stderr
        # A clean stop leaves nothing listening.
        assert all(port_is_free(port + i) for i in range(3)), "tools/stack/stack.py stop left a port open"
        shutil.rmtree(run_dir, ignore_errors=True)


def render(conf_dir: Path, **settings: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NGINX_")}
    env.update({"NGINX_CONF_DIR": str(conf_dir), **settings})
    return subprocess.run(["sh", str(RENDER_SH)], env=env, capture_output=True, text=True, check=True)


def nginx_test(conf_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [NGINX, "-t", "-c", str(conf_dir / "nginx.conf"), "-p", f"{conf_dir}/"],
        check=False,
        capture_output=True,
        text=True,
    )


@dataclass
class ExtraNginx:
    url: str
    conf_dir: Path


@pytest.fixture
def extra_nginx() -> Iterator:
    """Start another nginx from the same templates, with its own settings, in front of any backends."""
    started: list[Path] = []
    tmp_path = world_readable_dir("referral-nginx-test-")

    def start(**settings: str) -> ExtraNginx:
        port = free_ports(1)
        conf_dir = tmp_path / f"nginx-{uuid.uuid4().hex[:8]}"
        render(
            conf_dir,
            NGINX_LISTEN=f"127.0.0.1:{port}",
            NGINX_ERROR_LOG=str(conf_dir / "error.log"),
            NGINX_ACCESS_LOG=str(conf_dir / "access.log"),
            NGINX_WORKER_PROCESSES="1",
            **settings,
        )
        subprocess.run(
            [NGINX, "-c", str(conf_dir / "nginx.conf"), "-p", f"{conf_dir}/"], check=True, capture_output=True
        )
        started.append(conf_dir)
        for _ in range(50):
            if not port_is_free(port):
                break
            time.sleep(0.1)
        return ExtraNginx(url=f"http://127.0.0.1:{port}", conf_dir=conf_dir)

    yield start
    for conf_dir in started:
        pid = int((conf_dir / "nginx.pid").read_text())
        os.kill(pid, 15)
        for _ in range(50):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
    shutil.rmtree(tmp_path, ignore_errors=True)
