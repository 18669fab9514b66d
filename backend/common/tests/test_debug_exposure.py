"""Debug mode never reaches another machine: no DEBUG on a public bind, no debug page for a bad Host."""

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.test import Client

from common.tests.helpers import BACKEND_DIR, free_port, gunicorn

LEAKS = ["DJANGO_SETTINGS_MODULE", "SECRET_KEY", "Traceback", "/work/", str(BACKEND_DIR), "ALLOWED_HOSTS"]


def assert_leaks_nothing(body: str) -> None:
    for needle in LEAKS:
        assert needle not in body, needle


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [True, False], ids=["debug", "production"])
@pytest.mark.parametrize("path", ["/api/health/", "/api/login/", "/api/nope/"])
def test_a_bad_host_under_api_is_a_json_400_in_every_mode(settings, debug, path):
    settings.DEBUG = debug

    response = Client(HTTP_HOST="evil.example").get(path)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "This server does not answer to that host name.", "code": "bad_host"}
    assert response["Content-Security-Policy"].startswith("default-src 'none'")


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [True, False], ids=["debug", "production"])
@pytest.mark.parametrize("path", ["/", "/admin/login/", "/static/nope.css"])
def test_a_bad_host_elsewhere_is_a_plain_400_in_every_mode(settings, debug, path):
    settings.DEBUG = debug

    response = Client(HTTP_HOST="evil.example").get(path)

    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain"
    assert response.content == b"Bad request."


@pytest.mark.django_db
def test_a_bad_host_is_logged_as_django_does(settings, caplog):
    with caplog.at_level("ERROR", logger="django.security.DisallowedHost"):
        Client(HTTP_HOST="evil.example").post("/api/login/", data={}, content_type="application/json")

    assert "Invalid HTTP_HOST header: 'evil.example'" in caplog.text


@pytest.mark.server
@pytest.mark.django_db(transaction=True)
def test_a_debug_server_answers_a_bad_host_without_its_debug_page():
    with gunicorn(DJANGO_DEBUG="true") as base:
        for path in ["/api/health/", "/admin/login/", "/"]:
            response = requests.get(f"{base}{path}", headers={"Host": "evil.example"}, timeout=10)
            assert response.status_code == 400, path
            assert_leaks_nothing(response.text)
        api = requests.get(f"{base}/api/health/", headers={"Host": "evil.example:8000"}, timeout=10)
        assert api.json()["code"] == "bad_host"
        # The allowed host still works.
        assert requests.get(f"{base}/api/health/", timeout=10).json() == {"status": "ok"}


def start_gunicorn(host: str, debug: str) -> subprocess.CompletedProcess | None:
    """Run gunicorn.conf.py on host: its result when it exits, None once it answers HTTP (then it is stopped)."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        "DJANGO_DEBUG": debug,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": "sqlite:///:memory:",
        "HOST": host,
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "SERVE_SPA": "false",
    }
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "-c", "gunicorn.conf.py", "config.wsgi:application"],
        cwd=BACKEND_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    try:
        while process.poll() is None and time.monotonic() < deadline:
            try:
                requests.get(f"http://127.0.0.1:{port}/api/health/", timeout=5)
                return None
            except requests.RequestException:
                time.sleep(0.1)
    finally:
        if process.poll() is None:
            process.terminate()
    output, _ = process.communicate(timeout=30)
    return subprocess.CompletedProcess(process.args, process.returncode, output)


@pytest.mark.server
@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "example.com"])
def test_gunicorn_refuses_debug_on_an_address_other_machines_reach(host):
    result = start_gunicorn(host, "true")

    assert result is not None, "gunicorn served DEBUG on a public address"
    assert result.returncode != 0
    assert (
        f"Refusing to start: DJANGO_DEBUG=true on {host}:" in result.stdout
        and "Bind a loopback address (HOST=127.0.0.1) or set DJANGO_DEBUG=false." in result.stdout
    ), result.stdout
    assert "Booting worker" not in result.stdout


@pytest.mark.server
@pytest.mark.parametrize("host,debug", [("127.0.0.1", "true"), ("localhost", "true"), ("0.0.0.0", "false")])
def test_gunicorn_serves_debug_on_loopback_and_production_anywhere(host, debug):
    assert start_gunicorn(host, debug) is None
