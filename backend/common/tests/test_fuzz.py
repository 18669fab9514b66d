"""Generated requests for every endpoint of the OpenAPI schema (schemathesis), signed in, over real HTTP."""

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import requests

from common.tests.helpers import BACKEND_DIR, gunicorn
from users.models import User

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

PHONE = "+79160000001"
MAX_EXAMPLES = 200  # per operation and phase; about 1,380 cases in all
# Live refresh tokens for the generated refresh and logout requests (fuzz_hooks.py): more than the
# about 260 valid bodies they send, so none of those gets a dead one.
REFRESH_TOKENS = 300
# Statuses that prove a request got past authentication, for each operation that needs it.
SIGNED_IN_ANSWERS = {
    ("GET", "/api/profile/"): {200},
    ("PATCH", "/api/profile/"): {200, 400},
    ("GET", "/api/profile/referrals/"): {200},
    ("POST", "/api/token/refresh/"): {200},  # authenticated by the refresh token in the body
    ("POST", "/api/logout/"): {204},
}


def _sign_in(base: str) -> dict:
    """Tokens from the server itself: a code (echoed, OTP_ECHO) and its verification."""
    login = requests.post(f"{base}/api/login/", json={"phone": PHONE}, timeout=10)
    assert login.status_code == 200, login.text
    verify = requests.post(f"{base}/api/verify/", json={"phone": PHONE, "token": login.json()["code"]}, timeout=10)
    assert verify.status_code == 200, verify.text
    return verify.json()


def test_schemathesis_finds_no_server_errors_and_no_schema_violations(tmp_path):
    schemathesis = Path(sys.executable).with_name("schemathesis")
    refresh_file, responses_file = tmp_path / "refresh-tokens.txt", tmp_path / "responses.jsonl"

    with gunicorn(
        OTP_SEND_DELAY="0",
        # Limits would turn the sign-ins below and many generated requests into 429s.
        OTP_RESEND_SECONDS="0",
        OTP_MAX_SENDS_PER_DAY="1000000",
        OTP_MAX_FAILURES_PER_DAY="1000000",
        THROTTLE_LOGIN="1000000/hour",
        THROTTLE_VERIFY="1000000/hour",
        INVITE_MAX_FAILURES_PER_HOUR="1000000",
    ) as base:
        # Access tokens outlive logout and refresh, so this one stays good for the whole run.
        access = _sign_in(base)["access"]
        profile = requests.get(f"{base}/api/profile/", headers={"Authorization": f"Bearer {access}"}, timeout=10)
        assert profile.status_code == 200, profile.text
        assert profile.json()["phone"] == PHONE
        refresh_file.write_text("\n".join(_sign_in(base)["refresh"] for _ in range(REFRESH_TOKENS)))

        result = subprocess.run(
            [
                str(schemathesis),
                "run",
                f"{base}/api/schema/",
                "--header",
                f"Authorization: Bearer {access}",
                "--checks",
                "all",
                # "Valid data must be accepted" can't hold for business rules a schema can't express
                # (a code that exists, a code not yet used); every other check runs.
                "--exclude-checks",
                "positive_data_acceptance",
                "--max-examples",
                str(MAX_EXAMPLES),
                # The same cases, in the same order, every run: derandomized generation (which also
                # turns off the example database, whose replays changed the count) and one worker
                # (two share the operations between them differently from run to run).
                "--generation-deterministic",
                "--workers",
                "1",
                "--no-color",
            ],
            cwd=BACKEND_DIR,
            env={
                **os.environ,
                "SCHEMATHESIS_HOOKS": "common.tests.fuzz_hooks",
                "FUZZ_REFRESH_TOKENS": str(refresh_file),
                "FUZZ_RESPONSES": str(responses_file),
            },
            capture_output=True,
            text=True,
            timeout=600,
        )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    generated = int(re.search(r"(\d+) generated", output).group(1))
    print(f"schemathesis: {generated} cases generated")  # shown with pytest -s or -rP
    assert generated >= 1000, output[-2000:]
    assert re.search(rf"{generated} passed", output), output[-2000:]

    answers = [json.loads(line) for line in responses_file.read_text().splitlines()]
    statuses = Counter((a["method"], a["path"], a["status"]) for a in answers)
    for (method, path), expected in SIGNED_IN_ANSWERS.items():
        seen = {status: n for (m, p, status), n in statuses.items() if (m, p) == (method, path)}
        assert expected & seen.keys(), f"{method} {path} was never answered past authentication: {seen}"
    # A live refresh token is never refused, whatever else the generated body holds.
    refused_live = [a for a in answers if a["live_refresh"] and a["status"] == 401]
    assert not refused_live, refused_live
    # The signed-in user is the only one with an invite code, so the generated activations could only be
    # refused: the run never got stuck on "already activated" (409).
    assert User.objects.get(phone=PHONE).referred_by_id is None
    assert not [a for a in answers if a["method"] == "PATCH" and a["status"] == 409]
