"""`make demo-reset` (the demo_reset command): every rate limit of a demo database lifted, users kept."""

import io
import os
import subprocess
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from authentication.models import OtpCode, OtpFailure
from authentication.tests.helpers import last_sms_code, wrong_code
from common.models import RateCounter
from users.models import InviteActivationFailure, User
from users.tests.factories import UserFactory

REPO_DIR = Path(__file__).resolve().parents[3]


def login(client, phone):
    return client.post("/api/login/", {"phone": phone}, format="json")


def hit_every_limit(client, phone) -> None:
    """Leave per-address and per-network counters, a code in its resend cooldown, a wrong entry and a refused
    invite code."""
    assert login(client, phone).status_code == 200
    wrong = client.post("/api/verify/", {"phone": phone, "token": wrong_code(last_sms_code(phone))}, format="json")
    assert wrong.status_code == 400
    assert login(client, phone).json()["code"] == "resend_cooldown"
    InviteActivationFailure.objects.create(user=UserFactory())


@pytest.mark.django_db
@override_settings(THROTTLE_LOGIN="2/hour", THROTTLE_LOGIN_NETWORK="2/hour", DEBUG=True)
def test_demo_reset_lifts_per_ip_per_network_and_per_phone_limits_and_keeps_users(api_client, new_phone):
    phone = new_phone()
    hit_every_limit(api_client, phone)
    assert login(api_client, new_phone()).json()["code"] == "ip_rate_limit"
    neighbour = api_client.post("/api/login/", {"phone": new_phone()}, format="json", REMOTE_ADDR="127.0.0.2")
    assert neighbour.json()["code"] == "network_rate_limit"
    users = User.objects.count()

    out = io.StringIO()
    call_command("demo_reset", stdout=out)

    assert not RateCounter.objects.exists()
    assert OtpCode.objects.count() == 0
    assert OtpFailure.objects.count() == 0
    assert InviteActivationFailure.objects.count() == 0
    assert User.objects.count() == users
    assert "deleted 1 sign-in codes, 1 wrong-code entries and 1 refused invite codes" in out.getvalue()
    # Neither the IP's or its network's cap nor the phone's cooldown stands in the way any more.
    assert login(api_client, phone).status_code == 200


@pytest.mark.django_db
@override_settings(DEBUG=True, AXES_FAILURE_LIMIT=2)
def test_demo_reset_unlocks_the_admin_sign_in(client):
    User.objects.create_superuser(phone="+79990000001", password="a-long-admin-password")
    for _ in range(2):
        client.post("/admin/login/", {"username": "+79990000001", "password": "wrong"})
    refused = client.post("/admin/login/", {"username": "+79990000001", "password": "a-long-admin-password"})
    assert refused.status_code == 429

    out = io.StringIO()
    call_command("demo_reset", stdout=out)

    assert AccessAttempt.objects.count() == 0
    assert "Admin sign-in unlocked: deleted 1 records of wrong passwords." in out.getvalue()
    signed_in = client.post("/admin/login/", {"username": "+79990000001", "password": "a-long-admin-password"})
    assert signed_in.status_code == 302


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_demo_reset_refuses_outside_debug_mode(api_client, new_phone):
    hit_every_limit(api_client, new_phone())

    with pytest.raises(CommandError, match="only with DJANGO_DEBUG=true"):
        call_command("demo_reset")

    assert OtpCode.objects.count() == 1
    assert OtpFailure.objects.count() == 1
    assert InviteActivationFailure.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_make_demo_reset_clears_the_counters_of_the_database_make_run_uses(api_client, new_phone):
    hit_every_limit(api_client, new_phone())
    assert RateCounter.objects.exists()
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_DEBUG"}}
    env["DATABASE_URL"] = f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"

    make = ["make", "--no-print-directory", "demo-reset"]
    result = subprocess.run(make, cwd=REPO_DIR, env=env, capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stderr
    assert "Demo limits reset" in result.stdout
    assert (RateCounter.objects.count(), OtpCode.objects.count(), OtpFailure.objects.count()) == (0, 0, 0)
    assert InviteActivationFailure.objects.count() == 0
    assert User.objects.count() == 1
