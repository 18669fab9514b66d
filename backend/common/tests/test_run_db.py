"""backend/scripts/run_db.py: the database `make run` uses, created when missing, one line when unusable."""

import importlib.util
import os
import subprocess
import sys
import uuid
from pathlib import Path

import dj_database_url
import psycopg2
import pytest
from django.db import connection

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "run_db.py"


def run_script(database_url: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return subprocess.run([sys.executable, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=30)


def server_url(dbname: str) -> str:
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{dbname}"


def database_exists(url: str) -> bool:
    cfg = dj_database_url.parse(url)
    conn = psycopg2.connect(dbname="postgres", user=cfg["USER"], password=cfg["PASSWORD"] or None, host=cfg["HOST"])
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]])
            return cursor.fetchone() is not None
    finally:
        conn.close()


def drop_database(url: str) -> None:
    cfg = dj_database_url.parse(url)
    conn = psycopg2.connect(dbname="postgres", user=cfg["USER"], password=cfg["PASSWORD"] or None, host=cfg["HOST"])
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{cfg["NAME"]}"')
    conn.close()


@pytest.mark.django_db
def test_a_missing_postgresql_database_is_created_and_said_in_one_line():
    url = server_url(f"test_run_db_{uuid.uuid4().hex[:8]}")
    try:
        result = run_script(url)

        assert result.returncode == 0
        assert result.stdout.strip() == url
        assert result.stderr.strip().splitlines() == [
            f"Database: PostgreSQL database {dj_database_url.parse(url)['NAME']} at "
            f"{dj_database_url.parse(url)['HOST']}:{dj_database_url.parse(url)['PORT']} (created it now)"
        ]
        assert database_exists(url)
        # The second time it is just used.
        again = run_script(url)
        assert again.returncode == 0 and "created" not in again.stderr
    finally:
        drop_database(url)


def test_an_unreachable_postgresql_asked_for_is_one_line_and_a_failure():
    result = run_script("postgres://postgres@127.0.0.1:1/referral")

    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert lines[0].startswith("Can't use PostgreSQL database referral at 127.0.0.1:1 (")
    assert lines[0].endswith("Start PostgreSQL or fix DATABASE_URL.")


def test_without_database_url_and_no_postgresql_it_falls_back_to_sqlite(monkeypatch, capsys):
    spec = importlib.util.spec_from_file_location("run_db", SCRIPT)
    run_db = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run_db)
    monkeypatch.setattr(run_db, "DEFAULT_POSTGRES_URL", "postgres://postgres@127.0.0.1:1/referral")
    monkeypatch.delenv("DATABASE_URL", raising=False)

    assert run_db.main() == 0

    out, err = capsys.readouterr()
    assert out.strip() == f"sqlite:///{SCRIPT.parent.parent / 'db.sqlite3'}"
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("Database: the SQLite file backend/db.sqlite3; no usable PostgreSQL at 127.0.0.1:5432 (")


def test_a_sqlite_url_is_used_as_given():
    result = run_script("sqlite:////tmp/demo.sqlite3")
    assert (result.returncode, result.stdout.strip()) == (0, "sqlite:////tmp/demo.sqlite3")


def test_make_runs_sqlite_fallback_migrates_and_serves_a_sign_in(tmp_path):
    """Without PostgreSQL, make run falls back to SQLite: every migration must apply there and a sign-in work."""
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "DJANGO_SECRET_KEY": "sqlite-test-secret-key",
        "JWT_SIGNING_KEY": "sqlite-test-jwt-signing-key-of-32-bytes-at-least",
        "OTP_SEND_DELAY": "0",
        "SMS_BACKEND": "authentication.sms.locmem.LocmemSmsBackend",
    }
    backend = SCRIPT.parents[1]
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=backend,
        env=env,
        capture_output=True,
        text=True,
    )
    assert migrate.returncode == 0, migrate.stderr[-2000:]
    sign_in = (
        "from authentication.services import otp_request, otp_verify; "
        "issued = otp_request(phone='+79161234567'); "
        "print(otp_verify(phone='+79161234567', code=issued.code, challenge=issued.challenge).is_new)"
    )
    shell = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", sign_in], cwd=backend, env=env, capture_output=True, text=True
    )
    assert shell.returncode == 0, shell.stderr[-2000:]
    assert shell.stdout.strip().endswith("True")
