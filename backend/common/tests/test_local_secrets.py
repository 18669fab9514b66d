"""make run's secrets are this checkout's own: random, kept in a mode-600 file, never a key from the code."""

import os
import re
import signal
import stat
import subprocess
import sys
from pathlib import Path

import jwt
import pytest
import requests

from common.tests.helpers import BACKEND_DIR, _test_database_url, free_port, wait_until_serving

REPO = BACKEND_DIR.parent
SCRIPT = BACKEND_DIR / "scripts" / "local_secrets.py"
NAMES = ("DJANGO_SECRET_KEY", "JWT_SIGNING_KEY")
# The built-in keys settings.py fell back to with DEBUG on until they were removed: still in git's history.
FORMER_BUILT_IN_KEYS = [
    "insecure-local-only-secret-key-do-not-use-in-production",
    "insecure-local-only-jwt-signing-key-do-not-use-in-production",
]


def env_without_secrets(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {*NAMES, "DJANGO_SETTINGS_MODULE", "DJANGO_DEBUG"}}
    return {**env, **extra}


def run_script(path: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(path)],
        env=env_without_secrets(**env),
        capture_output=True,
        text=True,
        timeout=30,
    )


def exported(stdout: str) -> dict[str, str]:
    return dict(re.findall(r"^export ([A-Z_]+)=(\S+)$", stdout, flags=re.M))


def test_first_use_makes_random_secrets_in_a_file_only_its_owner_reads(tmp_path):
    path = tmp_path / ".env.local"

    first = run_script(path)

    assert first.returncode == 0, first.stderr
    keys = exported(first.stdout)
    assert set(keys) == set(NAMES)
    assert all(len(value) >= 60 for value in keys.values())
    assert keys["DJANGO_SECRET_KEY"] != keys["JWT_SIGNING_KEY"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert {f"{name}={value}" for name, value in keys.items()} <= set(path.read_text().splitlines())
    assert "made new random" in first.stderr

    # Every later run keeps them: tokens and SMS codes survive a restart.
    again = run_script(path)
    assert exported(again.stdout) == keys
    assert again.stderr == ""
    # Another checkout (another file) gets other keys.
    other = exported(run_script(tmp_path / "other.env").stdout)
    assert set(other.values()).isdisjoint(keys.values())


def test_keys_set_in_the_environment_win_and_nothing_is_written(tmp_path):
    path = tmp_path / ".env.local"

    result = run_script(path, DJANGO_SECRET_KEY="from-env-1", JWT_SIGNING_KEY="from-env-2")

    assert result.returncode == 0
    assert result.stdout == ""
    assert not path.exists()


def test_a_file_left_readable_by_others_is_made_private_again(tmp_path):
    path = tmp_path / ".env.local"
    run_script(path)
    path.chmod(0o644)

    run_script(path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize("name", NAMES)
def test_settings_refuse_to_start_without_the_key_even_in_debug(name):
    env = env_without_secrets(DJANGO_DEBUG="true", DJANGO_SETTINGS_MODULE="config.settings")
    env[NAMES[1 - NAMES.index(name)]] = "the-other-key-is-set"

    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=BACKEND_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert f"ImproperlyConfigured: {name} is not set: set it (python3 -c" in result.stderr
    assert "make run" in result.stderr.splitlines()[-1]


def keys_in_the_repository() -> set[str]:
    """Every string of the tracked files that could be a key: quoted or after =, 12+ characters."""
    files = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    found = set(FORMER_BUILT_IN_KEYS)
    for name in files.splitlines():
        path = REPO / name
        if path.suffix not in {".py", ".sh", ".yml", ".yaml", ".md", ".example", ".ts", ".json", ".toml", ""}:
            continue
        if not path.is_file() or "lock" in path.name:
            continue
        text = path.read_text(errors="ignore")
        found |= set(re.findall(r"""(?:KEY|SECRET)\w*["']?\s*[:=,]\s*["']([^"'\s]{12,})["']""", text))
        found |= set(re.findall(r"^(?:DJANGO_SECRET_KEY|JWT_SIGNING_KEY)=(\S+)$", text, flags=re.M))
    return found


def test_the_repository_s_keys_are_found():
    keys = keys_in_the_repository()
    assert "change-me-to-another-long-random-string" in keys  # .env.example
    assert "test-jwt-signing-key-of-at-least-32-bytes" in keys  # settings_test.py
    assert set(FORMER_BUILT_IN_KEYS) <= keys
    assert len(keys) >= 6


@pytest.fixture
def make_run(transactional_db, tmp_path):
    """`make run` itself (demo mode, DEBUG on) on the test database and a free port, with no secrets given."""
    port = free_port()
    # No npm on PATH: make run serves the API without rebuilding the web app.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("touch", "cat", "env"):
        (bin_dir / tool).symlink_to(f"/usr/bin/{tool}")
    secrets_file = tmp_path / "secrets.env"
    env = env_without_secrets(
        PATH=str(bin_dir),
        DATABASE_URL=_test_database_url(),
        WEB_CONCURRENCY="1",
        GUNICORN_ACCESS_LOG="",
        OTP_SEND_DELAY="0",
    )
    log = tmp_path / "make-run.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["/usr/bin/make", "--no-print-directory", "run", f"PORT={port}", f"SECRETS_FILE={secrets_file}"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, process, timeout=120, output=log.read_text)
        yield base, secrets_file, log
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=30)


@pytest.mark.server
@pytest.mark.filterwarnings("ignore:The HMAC key is")  # short keys are what this test tries
def test_a_token_signed_with_any_key_of_the_repository_is_refused_by_make_run(make_run):
    base, secrets_file, _ = make_run
    phone = "+79160000777"
    code = requests.post(f"{base}/api/login/", json={"phone": phone}, timeout=10).json()["code"]
    access = requests.post(f"{base}/api/verify/", json={"phone": phone, "token": code}, timeout=10).json()["access"]
    claims = jwt.decode(access, options={"verify_signature": False})

    def profile(token: str) -> requests.Response:
        return requests.get(f"{base}/api/profile/", headers={"Authorization": f"Bearer {token}"}, timeout=10)

    # The same claims signed with any key anyone can read in the repository open nothing.
    for key in sorted(keys_in_the_repository()):
        refused = profile(jwt.encode(claims, key, algorithm="HS256"))
        assert refused.status_code == 401, key
        assert refused.json()["code"] == "token_not_valid", key
    # The server signs with this checkout's random key, made now.
    stored = dict(line.split("=", 1) for line in secrets_file.read_text().splitlines() if "=" in line)
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    assert jwt.decode(access, stored["JWT_SIGNING_KEY"], algorithms=["HS256"])["user_id"] == claims["user_id"]
    ok = profile(access)
    assert ok.status_code == 200 and ok.json()["phone"] == phone
