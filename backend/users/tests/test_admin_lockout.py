"""Lockout of the admin's password sign-in (django-axes, users/admin_lockout.py), through the real admin view."""

import json
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth.hashers import MD5PasswordHasher
from django.db import connection
from django.db.models import Sum
from django.test import Client

from common.tests.helpers import BACKEND_DIR
from common.tests.helpers import _test_database_url as database_url_of_the_tests
from users.admin_lockout import admin_login_client_ip, admin_login_username
from users.models import User

LOGIN_URL = "/admin/login/"
PHONE = "+79990000001"
PASSWORD = "a-long-admin-password"
LIMIT = 5  # ADMIN_LOGIN_FAILURE_LIMIT's default


class CountingHasher(MD5PasswordHasher):
    """The tests' hasher, counting every hash it computes (verify and the dummy hash for unknown accounts both
    go through encode)."""

    calls = 0
    _lock = threading.Lock()

    def encode(self, password, salt):
        with CountingHasher._lock:
            CountingHasher.calls += 1
        return super().encode(password, salt)


@pytest.fixture(autouse=True)
def _counting_hasher(settings):
    settings.PASSWORD_HASHERS = ["users.tests.test_admin_lockout.CountingHasher"]
    settings.AXES_FAILURE_LIMIT = LIMIT
    CountingHasher.calls = 0


@pytest.fixture
def admin_user(db):
    user = User.objects.create_superuser(phone=PHONE, password=PASSWORD)
    CountingHasher.calls = 0  # count the sign-ins' hashes only
    return user


def sign_in(client, username, password, ip="203.0.113.1", **extra):
    return client.post(LOGIN_URL, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def failures(**filters) -> int:
    return AccessAttempt.objects.filter(**filters).aggregate(n=Sum("failures_since_start"))["n"] or 0


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
def test_admin_refuses_the_right_password_after_the_failure_limit_of_wrong_ones(client, admin_user):
    statuses = [sign_in(client, PHONE, f"wrong-{i}").status_code for i in range(LIMIT)]
    # The form answers each wrong password, and the one that reaches the limit is already the lockout page.
    assert statuses == [200] * (LIMIT - 1) + [429]

    locked = sign_in(client, PHONE, PASSWORD)
    assert locked.status_code == 429
    assert b"too many login attempts" in locked.content
    assert not is_signed_in(client)

    (attempt,) = AccessAttempt.objects.all()
    assert (attempt.username, attempt.ip_address, attempt.failures_since_start) == (PHONE, "203.0.113.1", LIMIT)
    logged = list(AccessFailureLog.objects.order_by("attempt_time").values_list("username", "locked_out"))
    assert logged == [(PHONE, False)] * (LIMIT - 1) + [(PHONE, True)]


@pytest.mark.django_db
def test_admin_signs_in_below_the_limit_and_gives_back_the_attempt(client, admin_user):
    for i in range(LIMIT - 1):
        sign_in(client, PHONE, f"wrong-{i}")
    assert sign_in(client, PHONE, PASSWORD).status_code == 302
    assert is_signed_in(client)
    # The successful sign-in was not counted as a failure.
    assert failures(username=PHONE) == LIMIT - 1


@pytest.mark.django_db
def test_admin_locks_an_address_after_wrong_passwords_for_different_accounts(admin_user):
    attacker = Client()
    for i in range(LIMIT):
        sign_in(attacker, f"+7916000000{i}", "guess", ip="198.51.100.7")
    assert failures(ip_address="198.51.100.7") == LIMIT

    # Even the right password of an account it never tried is refused from that address...
    assert sign_in(attacker, PHONE, PASSWORD, ip="198.51.100.7").status_code == 429
    assert not is_signed_in(attacker)
    # ...while the account itself, from another address, is not locked.
    admin = Client()
    assert sign_in(admin, PHONE, PASSWORD, ip="192.0.2.10").status_code == 302
    assert is_signed_in(admin)


@pytest.mark.django_db
def test_admin_locks_an_account_tried_from_many_addresses(admin_user):
    for i in range(LIMIT):
        sign_in(Client(), PHONE, "guess", ip=f"198.51.100.{i + 1}")
    assert sign_in(Client(), PHONE, PASSWORD, ip="192.0.2.10").status_code == 429


@pytest.mark.django_db
def test_admin_counts_every_spelling_of_a_phone_as_one_account(client, admin_user):
    spellings = ["8 (999) 000-00-01", "+7 999 000-00-01", "89990000001", "9990000001", "+7 (999) 000 00 01"]
    for i, spelling in enumerate(spellings[:LIMIT]):
        sign_in(Client(), spelling, "guess", ip=f"198.51.100.{i + 1}")
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {PHONE}
    assert failures(username=PHONE) == LIMIT
    assert sign_in(client, "8 999 000 00 01", PASSWORD, ip="192.0.2.10").status_code == 429


@pytest.mark.django_db
def test_a_locked_admin_sign_in_hashes_no_password(client, admin_user):
    for i in range(LIMIT):
        sign_in(client, PHONE, f"wrong-{i}")
    assert CountingHasher.calls == LIMIT  # one hash per password tried

    for _ in range(20):
        response = sign_in(client, PHONE, PASSWORD)
        assert response.status_code == 429
    assert CountingHasher.calls == LIMIT
    # Nor is the lock extended by knocking on it: the failures stay those that set it.
    assert failures(username=PHONE) == LIMIT


@pytest.mark.django_db
def test_admin_lockout_keys_on_the_peer_not_on_a_client_sent_x_forwarded_for(client, admin_user):
    for i in range(LIMIT):
        sign_in(client, f"+7916000000{i}", "guess", HTTP_X_FORWARDED_FOR=f"192.0.2.{i + 1}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.1"}
    assert sign_in(client, PHONE, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.200").status_code == 429


def test_admin_client_ip_believes_x_forwarded_for_only_as_far_as_the_trusted_hops(rf, settings):
    request = rf.post(LOGIN_URL, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.66, 198.51.100.9")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    assert admin_login_client_ip(request) == "10.0.0.2"
    # Behind nginx (one hop), the entry nginx wrote: the real client, not what it claimed before that.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    assert admin_login_client_ip(request) == "198.51.100.9"
    # Junk where an address should be counts as the peer (and never reaches the database's inet column).
    junk = rf.post(LOGIN_URL, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-address")
    assert admin_login_client_ip(junk) == "10.0.0.2"


def test_admin_lockout_username_is_the_e164_phone_or_the_text_as_typed(rf):
    request = rf.post(LOGIN_URL)
    assert admin_login_username(request, {"username": "8 (916) 123-45-67"}) == "+79161234567"
    assert admin_login_username(request, {"username": "  admin "}) == "admin"
    assert admin_login_username(rf.post(LOGIN_URL, {"username": "89161234567"}), None) == "+79161234567"


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_passwords_never_try_more_than_the_limit(admin_user):
    """Each sign-in runs on its own thread with its own database connection, released together: the check and
    the count are one atomic step, so exactly LIMIT passwords are tried and the rest are refused unhashed."""
    parallel = 16
    barrier = threading.Barrier(parallel)

    def attempt(i):
        client = Client()
        try:
            barrier.wait(timeout=30)
            return sign_in(client, "8 999 000-00-01", f"wrong-{i}", ip=f"198.51.100.{i + 1}").status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=parallel) as pool:
        statuses = list(pool.map(attempt, range(parallel)))

    assert sorted(statuses) == [200] * (LIMIT - 1) + [429] * (parallel - LIMIT + 1)
    assert CountingHasher.calls == LIMIT
    assert failures(username=PHONE) == LIMIT
    assert AccessFailureLog.objects.count() == LIMIT
    assert sign_in(Client(), PHONE, PASSWORD, ip="192.0.2.10").status_code == 429


# One process signing in, as a separate server would: its own interpreter and database connection.
SIGN_IN_PROCESS = """
import json, os, sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment

setup_test_environment()
process, attempts = sys.argv[1], int(sys.argv[2])
client, statuses = Client(), []
for i in range(attempts):
    data = {"username": "8 (999) 000-00-01" if process == "a" else "+79990000001", "password": f"wrong-{i}"}
    statuses.append(client.post("/admin/login/", data, REMOTE_ADDR=f"198.51.100.{i + 1}").status_code)
print(json.dumps(statuses))
"""


@pytest.mark.django_db(transaction=True)
def test_admin_lockout_holds_across_two_processes(admin_user):
    pythonpath = os.pathsep.join(filter(None, [str(BACKEND_DIR), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "DATABASE_URL": database_url_of_the_tests(), "PYTHONPATH": pythonpath}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", SIGN_IN_PROCESS, name, str(LIMIT)],
            cwd=BACKEND_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("a", "b")
    ]
    statuses = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        statuses += json.loads(out.strip().splitlines()[-1])

    # Ten wrong passwords for one account from two processes: the limit counted them together.
    assert sorted(statuses) == [200] * (LIMIT - 1) + [429] * (2 * LIMIT - LIMIT + 1)
    assert failures(username=PHONE) == LIMIT
    assert sign_in(Client(), PHONE, PASSWORD, ip="192.0.2.10").status_code == 429
