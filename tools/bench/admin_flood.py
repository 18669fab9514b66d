"""Admin sign-in flood vs. the API's latency, on the production server (gunicorn.conf.py, gevent).

Starts one gevent worker for each hasher setup in turn: "stock" (Django's PBKDF2PasswordHasher computed on the
event loop, tools/bench/stock_hasher_settings.py) and "pool" (the product's settings: common/hashers.py's
thread-pool hasher). Against each, CONNECTIONS clients post wrong passwords with a valid CSRF token to
/admin/login/, for a new phone every time, while one client asks GET /api/health/ every 20 ms; it prints the
health check's latency percentiles idle and under the flood, and the sign-ins answered per second.
The lockout is raised out of the way (ADMIN_LOGIN_FAILURE_LIMIT) so every sign-in hashes a password.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/referral_ha .venv/bin/python tools/bench/admin_flood.py

DATABASE_URL must name an existing PostgreSQL database; it is migrated. PORT (default 18150), DURATION
(seconds of flood, default 15), CONNECTIONS (default 16), MODES (default "stock pool"), PASSWORD_HASH_THREADS.
"""

import itertools
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
BACKEND = REPO / "backend"
PYTHON = Path(sys.executable)
PORT = int(os.environ.get("PORT", "18150"))
DURATION = float(os.environ.get("DURATION", "15"))
CONNECTIONS = int(os.environ.get("CONNECTIONS", "16"))
MODES = os.environ.get("MODES", "stock pool").split()
BASE = f"http://127.0.0.1:{PORT}"
SETTINGS = {"stock": "stock_hasher_settings", "pool": "config.settings"}


def server_env(mode: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).resolve().parent),
        "DJANGO_SETTINGS_MODULE": SETTINGS[mode],
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", secrets.token_urlsafe(50)),
        "JWT_SIGNING_KEY": os.environ.get("JWT_SIGNING_KEY", secrets.token_urlsafe(50)),
        "DJANGO_DEBUG": "false",
        "HOST": "127.0.0.1",
        "PORT": str(PORT),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_ACCESS_LOG": "",
        "SERVE_SPA": "false",
        "LOG_LEVEL": "ERROR",
        "ADMIN_LOGIN_FAILURE_LIMIT": "100000000",
    }


def percentiles(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    q = statistics.quantiles(ms, n=100, method="inclusive")
    return f"n={len(ms):5d}  p50={q[49]:7.1f} ms  p95={q[94]:7.1f} ms  p99={q[98]:7.1f} ms  max={ms[-1]:7.1f} ms"


def probe_health(stop: threading.Event, out: list[float]) -> None:
    with requests.Session() as session:
        while not stop.is_set():
            started = time.perf_counter()
            response = session.get(f"{BASE}/api/health/", timeout=30)
            out.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
            time.sleep(0.02)


_phones = itertools.count(random.randint(0, 10**6))


def flood(stop: threading.Event, statuses: Counter, lock: threading.Lock) -> None:
    with requests.Session() as session:
        session.get(f"{BASE}/admin/login/", timeout=30)
        token = session.cookies["csrftoken"]
        while not stop.is_set():
            phone = f"+7916{next(_phones) % 10**7:07d}"
            response = session.post(
                f"{BASE}/admin/login/",
                data={"username": phone, "password": "wrong-password", "csrfmiddlewaretoken": token},
                timeout=60,
            )
            with lock:
                statuses[response.status_code] += 1


def run(mode: str) -> None:
    log = open(f"/tmp/admin_flood_{mode}.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [str(PYTHON.with_name("gunicorn")), "-c", "gunicorn.conf.py", "config.wsgi:application"],
        cwd=BACKEND,
        env=server_env(mode),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(300):
            try:
                requests.get(f"{BASE}/api/health/", timeout=2)
                break
            except requests.RequestException:
                if server.poll() is not None:
                    raise SystemExit(f"gunicorn exited, see /tmp/admin_flood_{mode}.log") from None
                time.sleep(0.1)
        idle, loaded = [], []
        stop = threading.Event()
        prober = threading.Thread(target=probe_health, args=(stop, idle))
        prober.start()
        time.sleep(3)
        stop.set()
        prober.join()

        stop = threading.Event()
        statuses, lock = Counter(), threading.Lock()
        flooders = [threading.Thread(target=flood, args=(stop, statuses, lock)) for _ in range(CONNECTIONS)]
        for thread in flooders:
            thread.start()
        time.sleep(1)  # let the flood build up
        prober = threading.Thread(target=probe_health, args=(stop, loaded))
        prober.start()
        time.sleep(DURATION)
        stop.set()
        prober.join()
        for thread in flooders:
            thread.join()
        hashing = os.environ.get("PASSWORD_HASH_THREADS", "1") if mode == "pool" else "on the event loop"
        print(f"\n[{mode}] hashing: {hashing}; {CONNECTIONS} connections flooding /admin/login/ for {DURATION:.0f} s")
        print(f"  /api/health/ idle:        {percentiles(idle)}")
        print(f"  /api/health/ under flood: {percentiles(loaded)}")
        total = sum(statuses.values())
        print(f"  /admin/login/: {total} answered ({total / (DURATION + 1):.1f}/s), statuses {dict(statuses)}")
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
        log.close()


def main() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.setdefault("DJANGO_SECRET_KEY", "bench")
    env.setdefault("JWT_SIGNING_KEY", "bench")
    subprocess.run([str(PYTHON), "manage.py", "migrate", "--noinput", "-v0"], cwd=BACKEND, env=env, check=True)
    subprocess.run([str(PYTHON), "manage.py", "createcachetable", "-v0"], cwd=BACKEND, env=env, check=True)
    for mode in MODES:
        run(mode)


if __name__ == "__main__":
    main()
