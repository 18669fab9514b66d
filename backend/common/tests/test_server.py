"""The production server (gunicorn + gevent workers, gunicorn.conf.py) over real HTTP."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection

from common.tests.helpers import free_port, gunicorn

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]


def test_one_worker_holds_many_code_sends_waiting_at_once():
    # Each send waits exactly 1 s. One sync worker would need 40 s for 40 sign-ins;
    # one gevent worker waits for all of them at once.
    phones = [f"+7916555{i:04d}" for i in range(40)]
    with gunicorn(OTP_SEND_DELAY="1.0", THROTTLE_LOGIN="1000/hour") as base:
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=len(phones) + 1) as pool:
            logins = [pool.submit(requests.post, f"{base}/api/login/", json={"phone": p}, timeout=30) for p in phones]
            time.sleep(0.3)  # while the sends wait, other requests are still answered
            health_started = time.monotonic()
            health = requests.get(f"{base}/api/health/", timeout=30)
            health_seconds = time.monotonic() - health_started
            responses = [f.result() for f in logins]
        elapsed = time.monotonic() - started

    assert [r.status_code for r in responses] == [200] * 40
    assert all(len(r.json()["code"]) == 4 for r in responses)
    assert health.status_code == 200
    assert health_seconds < 3, "health waited behind the sends (a blocking worker would take 40 s)"
    assert elapsed < 15, f"40 sends of 1 s took {elapsed:.1f} s: the waits were not concurrent"


def test_health_and_the_api_answer_503_json_when_the_database_is_unreachable():
    with gunicorn(DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/nowhere") as base:
        health = requests.get(f"{base}/api/health/", timeout=10)
        login = requests.post(f"{base}/api/login/", json={"phone": "+79161234567"}, timeout=10)

    assert health.status_code == 503
    assert health.json() == {"status": "unavailable"}
    assert login.status_code == 503
    assert login.json() == {
        "detail": "Service temporarily unavailable. Try again shortly.",
        "code": "service_unavailable",
    }
    assert login.headers["Retry-After"] == "5"


def test_sign_in_flow_through_the_production_server():
    with gunicorn(OTP_SEND_DELAY="0") as base:
        login = requests.post(f"{base}/api/login/", json={"phone": "8 (916) 777-00-11"}, timeout=10).json()
        tokens = requests.post(
            f"{base}/api/verify/", json={"phone": login["phone"], "token": login["code"]}, timeout=10
        ).json()
        profile = requests.get(
            f"{base}/api/profile/", headers={"Authorization": f"Bearer {tokens['access']}"}, timeout=10
        )

    assert profile.status_code == 200
    assert profile.json()["phone"] == "+79167770011"
    assert tokens["is_new"] is True


def test_a_burst_of_sign_ins_queues_for_pooled_connections_instead_of_failing():
    # 60 sign-ins at once against a worker allowed 3 PostgreSQL connections: each borrows one for its
    # few queries, gives it back before the 1 s send, and the rest wait their turn. Before the pool, a
    # burst bigger than max_connections answered 500.
    phones = [f"+7916556{i:04d}" for i in range(60)]
    database = connection.settings_dict["NAME"]

    def server_connections() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [database]
            )
            return cursor.fetchone()[0]

    with gunicorn(OTP_SEND_DELAY="1.0", THROTTLE_LOGIN="1000/hour", DB_POOL_MAX_CONNS="3") as base:
        idle = server_connections()
        with ThreadPoolExecutor(max_workers=len(phones)) as pool:
            logins = [pool.submit(requests.post, f"{base}/api/login/", json={"phone": p}, timeout=60) for p in phones]
            peak = idle
            while not all(f.done() for f in logins):
                peak = max(peak, server_connections())
                time.sleep(0.05)
            responses = [f.result() for f in logins]

    assert [r.status_code for r in responses] == [200] * 60
    assert peak <= 3, f"the worker held {peak} connections"


def test_a_worker_opens_its_pooled_connections_before_its_first_request():
    database = connection.settings_dict["NAME"]
    with gunicorn(DB_POOL_MAX_CONNS="3") as base:
        # The server answered its start-up probe (one request, one connection); the other two were opened ahead.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [database]
            )
            opened = cursor.fetchone()[0]
        assert requests.get(f"{base}/api/health/", timeout=10).status_code == 200

    assert opened == 3
