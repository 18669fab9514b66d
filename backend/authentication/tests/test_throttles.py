"""The per-address and per-network caps of /api/login/ and /api/verify/ (authentication/throttles.py)."""

import random
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIRequestFactory

from authentication.tests.helpers import last_sms_code, wrong_code
from authentication.throttles import LoginIpThrottle
from common.models import RateCounter
from common.tests.helpers import gunicorn, run_at_once
from common.throttles import client_buckets
from config.settings import _rate_times

NOW_MINUS_1H = timezone.now() - timedelta(hours=1)
NOW_MINUS_2H = timezone.now() - timedelta(hours=2)


def spread_phones(count: int) -> list[str]:
    """Mobile numbers that differ before their last 4 digits, so no per-phone or per-number-range limit of the
    sign-in service refuses one before the caps under test do."""
    return [f"+7916{i:03d}{random.randrange(10_000):04d}" for i in range(count)]


def login(client, phone, address):
    return client.post("/api/login/", {"phone": phone}, format="json", REMOTE_ADDR=address)


def counts(prefix: str) -> dict[str, int]:
    """Counter rows whose key starts with `prefix`, by the rest of the key."""
    return {row.key.removeprefix(prefix): row.count for row in RateCounter.objects.filter(key__startswith=prefix)}


def clear_of_window_end(window_seconds: int, margin: float = 30) -> None:
    """Sleep past the window's end if it is less than `margin` seconds away: a burst that straddled two fixed
    windows would get two budgets."""
    left = window_seconds - time.time() % window_seconds
    if left < margin:
        time.sleep(left + 0.5)


@pytest.mark.parametrize(
    ("ident", "buckets"),
    [
        ("10.1.2.3", ("10.1.2.3", "10.1.2.0/24")),
        ("::ffff:10.1.2.77", ("10.1.2.77", "10.1.2.0/24")),
        ("2001:0db8:0001:0002:0000:0000:0000:0001", ("2001:db8:1:2::1", "2001:db8:1:2::/64")),
        ("fe80::1%eth0", ("fe80::1", "fe80::/64")),
        ("not-an-address", ("not-an-address", None)),
    ],
)
def test_client_buckets_are_the_address_and_its_24_or_64(ident, buckets):
    assert client_buckets(ident) == buckets


def test_network_caps_default_to_five_times_the_address_caps():
    assert _rate_times("20/hour", 5) == "100/hour"
    assert _rate_times("1000/hour", 5) == "5000/hour"  # make run's demo mode


@pytest.mark.django_db
@override_settings(THROTTLE_LOGIN="5/hour", THROTTLE_LOGIN_NETWORK="3/hour")
def test_addresses_of_one_ipv4_24_share_its_cap_and_the_next_24_has_its_own(api_client, new_phone):
    assert login(api_client, new_phone(), "10.1.2.3").status_code == 200
    assert login(api_client, new_phone(), "10.1.2.3").status_code == 200
    assert login(api_client, new_phone(), "10.1.2.77").status_code == 200

    refused = login(api_client, new_phone(), "10.1.2.77")

    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "network_rate_limit"
    assert body["detail"] == "Too many requests from your network. Try again later."
    assert 0 < body["retry_after"] <= 3600
    assert refused["Retry-After"] == str(body["retry_after"])
    assert login(api_client, new_phone(), "10.1.3.1").status_code == 200
    # The refused request cost its address nothing: the network's refusal rolled the address's hit back.
    assert counts("login:ip:3600:") == {"10.1.2.3": 2, "10.1.2.77": 1, "10.1.3.1": 1}
    assert counts("login:net:3600:") == {"10.1.2.0/24": 3, "10.1.3.0/24": 1}


@pytest.mark.django_db
@override_settings(THROTTLE_LOGIN="5/hour", THROTTLE_LOGIN_NETWORK="2/hour")
def test_addresses_of_one_ipv6_64_share_its_cap_whatever_their_spelling(api_client, new_phone):
    assert login(api_client, new_phone(), "2001:db8:1:2::1").status_code == 200
    assert login(api_client, new_phone(), "2001:db8:1:2:ffff:ffff:ffff:ffff").status_code == 200

    refused = login(api_client, new_phone(), "2001:0db8:0001:0002:0000:0000:0000:0001")

    assert refused.status_code == 429
    assert refused.json()["code"] == "network_rate_limit"
    assert login(api_client, new_phone(), "2001:db8:1:3::1").status_code == 200
    assert counts("login:net:3600:") == {"2001:db8:1:2::/64": 2, "2001:db8:1:3::/64": 1}


@pytest.mark.django_db
@override_settings(THROTTLE_LOGIN="2/hour", THROTTLE_LOGIN_NETWORK="10/hour")
def test_an_address_over_its_own_cap_is_refused_without_spending_its_networks(api_client, new_phone):
    for _ in range(2):
        assert login(api_client, new_phone(), "10.1.2.3").status_code == 200
    for _ in range(3):
        refused = login(api_client, new_phone(), "::ffff:10.1.2.3")
        assert refused.status_code == 429
        assert refused.json()["code"] == "ip_rate_limit"
        assert refused.json()["detail"] == "Too many requests from this address. Try again later."

    assert counts("login:ip:3600:") == {"10.1.2.3": 2}
    assert counts("login:net:3600:") == {"10.1.2.0/24": 2}


@pytest.mark.django_db
@override_settings(THROTTLE_VERIFY="10/hour", THROTTLE_VERIFY_NETWORK="2/hour")
def test_verify_has_a_network_cap_of_its_own(api_client, new_phone):
    phone = new_phone()
    assert login(api_client, phone, "10.1.2.3").status_code == 200
    code = last_sms_code(phone)

    def verify(token, address):
        return api_client.post("/api/verify/", {"phone": phone, "token": token}, format="json", REMOTE_ADDR=address)

    assert verify(wrong_code(code), "10.1.2.3").status_code == 400
    assert verify(wrong_code(code), "10.1.2.4").status_code == 400
    refused = verify(code, "10.1.2.5")

    assert refused.status_code == 429
    assert refused.json()["code"] == "network_rate_limit"
    assert counts("verify:net:3600:") == {"10.1.2.0/24": 2}


@pytest.mark.django_db
@override_settings(
    THROTTLE_LOGIN="5/hour",
    THROTTLE_LOGIN_NETWORK="2/hour",
    REST_FRAMEWORK={**settings.REST_FRAMEWORK, "NUM_PROXIES": 1},
)
def test_network_cap_behind_one_proxy_keys_on_the_address_the_proxy_wrote(api_client, new_phone):
    def from_client(spoofed, real):
        return api_client.post(
            "/api/login/", {"phone": new_phone()}, format="json", HTTP_X_FORWARDED_FOR=f"{spoofed}, {real}"
        )

    assert from_client("192.0.2.1", "203.0.113.7").status_code == 200
    assert from_client("192.0.2.2", "203.0.113.8").status_code == 200
    assert from_client("198.51.100.1", "203.0.113.9").json()["code"] == "network_rate_limit"
    assert counts("login:net:3600:") == {"203.0.113.0/24": 2}


@pytest.mark.django_db
def test_the_caps_cost_one_statement(django_assert_num_queries):
    request = APIRequestFactory().post("/api/login/", REMOTE_ADDR="10.1.2.3")
    # The address's upsert and the network's, chained in one statement (common.ratelimit.rate_limit_hits).
    with django_assert_num_queries(1):
        assert LoginIpThrottle().allow_request(request, None)

    assert counts("login:ip:3600:") == {"10.1.2.3": 1}
    assert counts("login:net:3600:") == {"10.1.2.0/24": 1}


@pytest.mark.django_db
def test_the_throttles_purge_ended_windows_now_and_then(api_client, new_phone, settings):
    ended = RateCounter.objects.create(
        key="login:ip:60:10.9.9.9", window_start=NOW_MINUS_2H, expires_at=NOW_MINUS_1H, count=5
    )
    settings.RATE_COUNTER_PURGE_EVERY = 1

    assert login(api_client, new_phone(), "10.1.2.3").status_code == 200

    assert not RateCounter.objects.filter(pk=ended.pk).exists()
    assert counts("login:ip:3600:") == {"10.1.2.3": 1}


# ---- Over HTTP, many requests at once, on the production server with two worker processes ----


@pytest.mark.server
@pytest.mark.django_db(transaction=True)
def test_a_hundred_simultaneous_logins_from_one_address_pass_exactly_the_cap():
    with gunicorn(THROTTLE_LOGIN="20/hour", TRUSTED_PROXY_HOPS="1", WEB_CONCURRENCY="2", OTP_SEND_DELAY="0") as base:
        clear_of_window_end(3600)
        calls = [
            lambda s, phone=phone: s.post(
                f"{base}/api/login/", json={"phone": phone}, headers={"X-Forwarded-For": "203.0.113.7"}, timeout=60
            )
            for phone in spread_phones(100)
        ]
        responses = run_at_once(calls)

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 20, 429: 80}, [r.text[:100] for r in responses if r.status_code not in (200, 429)]
    refused = [r for r in responses if r.status_code == 429]
    assert {r.json()["code"] for r in refused} == {"ip_rate_limit"}
    assert all(r.headers["Retry-After"] == str(r.json()["retry_after"]) for r in refused)
    assert counts("login:ip:3600:") == {"203.0.113.7": 20}
    assert counts("login:net:3600:") == {"203.0.113.0/24": 20}


@pytest.mark.server
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("neighbours", "network", "outsider"),
    [
        (("10.1.2.3", "10.1.2.77"), "10.1.2.0/24", "10.1.3.1"),
        (("2001:db8:1:2::1", "2001:db8:1:2:a::77"), "2001:db8:1:2::/64", "2001:db8:1:3::1"),
    ],
)
def test_simultaneous_logins_from_two_addresses_of_one_network_share_its_cap(neighbours, network, outsider):
    env = {"THROTTLE_LOGIN": "20/hour", "THROTTLE_LOGIN_NETWORK": "30/hour", "TRUSTED_PROXY_HOPS": "1"}
    with gunicorn(**env, WEB_CONCURRENCY="2", OTP_SEND_DELAY="0") as base:

        def call(address, phone):
            return lambda s: s.post(
                f"{base}/api/login/", json={"phone": phone}, headers={"X-Forwarded-For": address}, timeout=60
            )

        phones = iter(spread_phones(81))
        clear_of_window_end(3600)
        responses = run_at_once([call(address, next(phones)) for address in neighbours for _ in range(40)])
        [outsiders] = run_at_once([call(outsider, next(phones))])

    assert Counter(r.status_code for r in responses) == {200: 30, 429: 50}
    assert {r.json()["code"] for r in responses if r.status_code == 429} <= {"ip_rate_limit", "network_rate_limit"}
    assert outsiders.status_code == 200
    by_address = counts("login:ip:3600:")
    # Every refusal was rolled back: the addresses' counts add up to the network's, neither above its own cap.
    assert sum(by_address[address] for address in neighbours) == 30
    assert all(by_address[address] <= 20 for address in neighbours)
    assert counts("login:net:3600:")[network] == 30
