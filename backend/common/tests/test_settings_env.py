"""How settings.py reads the environment: a value it can't read stops the start naming the variable."""

import json
import os
import subprocess
import sys

import pytest

from common.tests.helpers import BACKEND_DIR

REPO_DIR = BACKEND_DIR.parent

SHOWN = [
    "SECRET_KEY",
    "DEBUG",
    "DB_POOL_MAX_CONNS",
    "SERVE_SPA",
    "CSRF_TRUSTED_ORIGINS",
    "ALLOWED_HOSTS",
    "OTP_ALLOWED_REGIONS",
    "SMS_SEND_TIMEOUT",
    "STATIC_ROOT",
    "OTP_SEND_DELAY",
]


def start_django(code: str = "", **variables: str) -> subprocess.CompletedProcess:
    """Set Django up with config.settings in a fresh interpreter, the given variables on top of the keys."""
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", *variables}}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_SECRET_KEY": "a-secret-key-for-this-test",
            "JWT_SIGNING_KEY": "a-jwt-signing-key-for-this-test",
            **variables,
        }
    )
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=BACKEND_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("DJANGO_DEBUG", "ture", "must be true or false"),
        ("SECURE_COOKIES", "2", "must be true or false"),
        ("DB_POOL_MAX_CONNS", "sixteen", "must be an integer"),
        ("OTP_TTL_SECONDS", "5m", "must be an integer"),
        ("SMS_SEND_TIMEOUT", "1e3s", "must be a number"),
        ("OTP_SEND_DELAY", "2-1", "must be a non-negative range"),
    ],
)
def test_a_value_that_cannot_be_read_stops_the_start_naming_the_variable(name, value, reason):
    result = start_django(**{name: value})

    assert result.returncode != 0
    assert f"ImproperlyConfigured: {name} {reason}" in result.stderr
    assert repr(value) in result.stderr.splitlines()[-1]


def test_values_are_read_as_written():
    shown = "print(json.dumps({k: str(getattr(settings, k)) for k in NAMES}))"
    code = f"import json; from django.conf import settings; NAMES = {SHOWN!r}; {shown}"
    result = start_django(
        code,
        # A secret may start with $: it is the value, not the name of another variable.
        DJANGO_SECRET_KEY="$HOME-is-not-a-reference",
        DJANGO_DEBUG="Yes",
        # An empty number or flag (a blank line in .env) is its default; an empty list is empty.
        DB_POOL_MAX_CONNS="",
        SERVE_SPA="",
        CSRF_TRUSTED_ORIGINS="",
        DJANGO_ALLOWED_HOSTS=" example.com , ,api.example.com ",
        OTP_ALLOWED_REGIONS="ru, kz",
        SMS_SEND_TIMEOUT="2.5",
        STATIC_ROOT="somewhere/static",
        OTP_SEND_DELAY="0.5",
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {
        "SECRET_KEY": "$HOME-is-not-a-reference",
        "DEBUG": "True",
        "DB_POOL_MAX_CONNS": "16",
        "SERVE_SPA": "True",
        "CSRF_TRUSTED_ORIGINS": "[]",
        "ALLOWED_HOSTS": "['example.com', 'api.example.com']",
        "OTP_ALLOWED_REGIONS": "['RU', 'KZ']",
        "SMS_SEND_TIMEOUT": "2.5",
        "STATIC_ROOT": str(REPO_DIR / "somewhere" / "static"),
        "OTP_SEND_DELAY": "(0.5, 0.5)",
    }
