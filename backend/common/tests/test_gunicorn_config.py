"""gunicorn.conf.py: no control socket (it would go under $HOME, which the image's user lacks (/nonexistent) and
which every native instance on a machine would share); the garbage collector tuned in each worker; the requests
waiting served before a kept-alive connection's next one."""

import gc
import logging
import runpy
import secrets
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import gevent
import pytest
import requests

from common.tests.helpers import BACKEND_DIR, free_port


@pytest.mark.server
def test_gunicorn_opens_no_control_socket_under_home(tmp_path):
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "true",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "SERVE_SPA": "false",
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "-c", "gunicorn.conf.py", "config.wsgi:application"],
            cwd=BACKEND_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    requests.get(f"http://127.0.0.1:{port}/api/schema/", timeout=5)
                    break
                except requests.RequestException:
                    assert process.poll() is None and time.monotonic() < deadline, log.read_text()
                    time.sleep(0.2)
            time.sleep(1)  # the control server starts beside the arbiter; give it the chance to fail
        finally:
            process.terminate()
            process.wait(timeout=30)
    text = log.read_text()
    assert "Booting worker" in text, text
    assert "Control server error" not in text, text
    assert not (tmp_path / "home" / ".gunicorn").exists()


def test_a_worker_freezes_the_loaded_app_and_collects_its_young_generation_less_often():
    conf = runpy.run_path(str(BACKEND_DIR / "gunicorn.conf.py"))
    threshold = gc.get_threshold()
    gc.unfreeze()
    try:
        conf["post_worker_init"](SimpleNamespace(log=logging.getLogger("gunicorn.error")))
        frozen, tuned = gc.get_freeze_count(), gc.get_threshold()
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
    # Everything loaded so far (Django, the apps, the test session): far more than a request makes.
    assert frozen > 100_000
    assert tuned == (50_000, *threshold[1:])


def test_after_each_answer_a_worker_lets_the_requests_waiting_go_first():
    conf = runpy.run_path(str(BACKEND_DIR / "gunicorn.conf.py"))
    served = []
    waiting = gevent.spawn(served.append, "a request that was waiting")

    conf["post_request"](None, None, {}, None)
    served.append("this connection's next request")

    assert waiting.dead
    assert served == ["a request that was waiting", "this connection's next request"]
