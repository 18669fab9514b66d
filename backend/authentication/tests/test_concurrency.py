"""Sign-in rules under real concurrency: parallel HTTP requests to a live server, each with its own
database connection, on PostgreSQL."""

import logging

import pytest
import requests
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from authentication.models import OtpCode, OtpFailure, SmsMessage, TokenFamily
from authentication.sms import locmem
from authentication.tests.helpers import last_sms_code, wrong_code
from common.models import RateCounter
from common.tests.helpers import gunicorn, run_at_once
from users.models import User

pytestmark = pytest.mark.django_db(transaction=True)


def test_twenty_parallel_verifies_of_one_code_sign_in_exactly_once(live_server, new_phone):
    phone = new_phone()
    assert run_at_once([lambda s: s.post(f"{live_server.url}/api/login/", json={"phone": phone})])[0].ok
    code = last_sms_code(phone)

    responses = run_at_once(
        [lambda s: s.post(f"{live_server.url}/api/verify/", json={"phone": phone, "token": code})] * 20
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [400] * 19
    assert User.objects.filter(phone=phone).count() == 1
    assert OtpCode.objects.get(phone=phone).used_at is not None


def test_fifty_parallel_wrong_guesses_are_checked_at_most_five_times(live_server, new_phone):
    phone = new_phone()
    run_at_once([lambda s: s.post(f"{live_server.url}/api/login/", json={"phone": phone})])
    code = last_sms_code(phone)
    guesses = [f"{(int(code) + i) % 10000:04d}" for i in range(1, 51)]

    responses = run_at_once(
        [lambda s, g=g: s.post(f"{live_server.url}/api/verify/", json={"phone": phone, "token": g}) for g in guesses]
    )

    assert all(r.status_code == 400 for r in responses), [(r.status_code, r.text[:80]) for r in responses]
    assert OtpCode.objects.get(phone=phone).open_attempts == 5
    assert OtpFailure.objects.filter(phone=phone).count() == 5
    # The code is dead now, even the right one.
    right = run_at_once([lambda s: s.post(f"{live_server.url}/api/verify/", json={"phone": phone, "token": code})])
    assert right[0].status_code == 400
    assert not User.objects.filter(phone=phone).exists()


def test_a_strangers_parallel_guesses_leave_the_holder_its_tries(live_server, new_phone):
    phone = new_phone()
    [login] = run_at_once([lambda s: s.post(f"{live_server.url}/api/login/", json={"phone": phone})])
    challenge = login.json()["challenge"]
    code = last_sms_code(phone)
    wrong = wrong_code(code)
    stranger = [lambda s: s.post(f"{live_server.url}/api/verify/", json={"phone": phone, "token": wrong})] * 30
    holder_mistakes = [
        lambda s: s.post(
            f"{live_server.url}/api/verify/", json={"phone": phone, "token": wrong, "challenge": challenge}
        )
    ] * 4

    responses = run_at_once(stranger + holder_mistakes)

    assert all(r.status_code == 400 for r in responses), [(r.status_code, r.text[:80]) for r in responses]
    otp = OtpCode.objects.get(phone=phone)
    assert (otp.open_attempts, otp.attempts) == (5, 4)
    assert OtpFailure.objects.filter(phone=phone, with_challenge=False).count() == 5
    [right] = run_at_once(
        [
            lambda s: s.post(
                f"{live_server.url}/api/verify/", json={"phone": phone, "token": code, "challenge": challenge}
            )
        ]
    )
    assert right.status_code == 200, right.text
    assert User.objects.filter(phone=phone).count() == 1


def test_parallel_logins_to_one_number_prefix_send_exactly_its_hourly_cap(live_server, settings):
    settings.OTP_MAX_SENDS_PER_PREFIX_PER_HOUR = 10
    phones = [f"+7916555{last:04d}" for last in range(30)]

    responses = run_at_once(
        [lambda s, phone=phone: s.post(f"{live_server.url}/api/login/", json={"phone": phone}) for phone in phones]
    )

    assert sorted(r.status_code for r in responses) == [200] * 10 + [429] * 20
    assert {r.json()["code"] for r in responses if r.status_code == 429} == {"prefix_rate_limit"}
    assert OtpCode.objects.filter(prefix="+7916555").count() == 10
    assert len(locmem.outbox) == 10


def test_parallel_logins_past_the_hourly_sms_budget_send_exactly_the_budget_and_log_once(live_server, settings, caplog):
    settings.SMS_BUDGET_PER_HOUR = 10
    phones = [f"+7916{n:03d}0000" for n in range(30)]  # 30 prefixes: no prefix cap in the way

    with caplog.at_level(logging.ERROR, logger="authentication.services"):
        responses = run_at_once(
            [lambda s, phone=phone: s.post(f"{live_server.url}/api/login/", json={"phone": phone}) for phone in phones]
        )

    assert sorted(r.status_code for r in responses) == [200] * 10 + [503] * 20
    assert {r.json()["code"] for r in responses if r.status_code == 503} == {"sms_budget_exhausted"}
    assert OtpCode.objects.count() == 10 and SmsMessage.objects.count() == 10
    assert len(locmem.outbox) == 10
    budget_logs = [r for r in caplog.records if r.getMessage().startswith("SMS budget spent")]
    assert len(budget_logs) == 1


def test_parallel_logins_to_one_prefix_past_its_burst_must_all_prove_work(live_server, settings):
    """The prefix-burst signal is decided on the atomic count each request takes, not on a read made before:
    requests arriving together can't all slip under it (the pumping drill saw 19 where 10 should have passed)."""
    settings.ALTCHA_PREFIX_BURST = 5
    settings.OTP_MAX_SENDS_PER_PREFIX_PER_HOUR = 100
    phones = [f"+7916556{last:04d}" for last in range(20)]

    responses = run_at_once(
        [lambda s, phone=phone: s.post(f"{live_server.url}/api/login/", json={"phone": phone}) for phone in phones]
    )

    assert sorted(r.status_code for r in responses) == [200] * 5 + [428] * 15
    assert {r.json()["code"] for r in responses if r.status_code == 428} == {"proof_of_work_required"}
    assert all("altcha" in r.json() for r in responses if r.status_code == 428)
    assert OtpCode.objects.filter(prefix="+7916556").count() == 5
    assert len(locmem.outbox) == 5
    assert RateCounter.objects.get(key="otp-prefix:+7916556").count == 5


def test_parallel_logins_for_one_phone_send_one_code(live_server, new_phone):
    phone = new_phone()

    responses = run_at_once([lambda s: s.post(f"{live_server.url}/api/login/", json={"phone": phone})] * 10)

    assert sorted(r.status_code for r in responses) == [200] + [429] * 9
    assert OtpCode.objects.filter(phone=phone).count() == 1
    assert [sms.phone for sms in locmem.outbox] == [phone]
    assert all(r.headers["Retry-After"] for r in responses if r.status_code == 429)


def test_parallel_wrong_guesses_across_the_daily_cap_never_pass_it(live_server, new_phone, settings):
    settings.OTP_MAX_ATTEMPTS = 100
    settings.OTP_MAX_FAILURES_PER_DAY = 10
    phone = new_phone()
    run_at_once([lambda s: s.post(f"{live_server.url}/api/login/", json={"phone": phone})])
    code = last_sms_code(phone)

    responses = run_at_once(
        [lambda s: s.post(f"{live_server.url}/api/verify/", json={"phone": phone, "token": wrong_code(code)})] * 30
    )

    assert sorted(r.status_code for r in responses) == [400] * 10 + [429] * 20
    assert OtpFailure.objects.filter(phone=phone).count() == 10


def _sign_in(live_server, phone) -> dict:
    run_at_once([lambda s: s.post(f"{live_server.url}/api/login/", json={"phone": phone})])
    code = last_sms_code(phone)
    [verified] = run_at_once([lambda s: s.post(f"{live_server.url}/api/verify/", json={"phone": phone, "token": code})])
    assert verified.status_code == 200
    return verified.json()


def _dead(live_server, tokens: dict) -> bool:
    """True when neither the refresh nor the access token of a pair is accepted any more."""
    [refreshed, profile] = run_at_once(
        [
            lambda s: s.post(f"{live_server.url}/api/token/refresh/", json={"refresh": tokens["refresh"]}),
            lambda s: s.get(f"{live_server.url}/api/profile/", headers={"Authorization": f"Bearer {tokens['access']}"}),
        ]
    )
    return refreshed.status_code == 401 and profile.status_code == 401


def test_twenty_parallel_refreshes_of_one_token_issue_exactly_one_pair(live_server, new_phone):
    phone = new_phone()
    tokens = _sign_in(live_server, phone)
    user = User.objects.get(phone=phone)

    responses = run_at_once(
        [lambda s: s.post(f"{live_server.url}/api/token/refresh/", json={"refresh": tokens["refresh"]})] * 20
    )

    assert sorted(r.status_code for r in responses) == [200] + [401] * 19, [r.text[:80] for r in responses]
    assert all(r.json() == {"detail": "Token is blacklisted", "code": "token_not_valid"} for r in responses if not r.ok)
    # The sign-in's token and the one issued by the winner; the first spent once.
    assert OutstandingToken.objects.filter(user=user).count() == 2
    assert BlacklistedToken.objects.filter(token__user=user).count() == 1
    # Nineteen reuses of a spent token: the session is revoked, the winner's new pair with it.
    family = TokenFamily.objects.get(user=user)
    assert family.revoke_reason == TokenFamily.RevokeReason.REUSE
    [winner] = [r.json() for r in responses if r.ok]
    assert _dead(live_server, winner)


def test_refreshes_racing_a_logout_do_not_outlive_it(live_server, new_phone):
    phone = new_phone()
    tokens = _sign_in(live_server, phone)

    responses = run_at_once(
        [lambda s: s.post(f"{live_server.url}/api/logout/", json={"refresh": tokens["refresh"]})]
        + [lambda s: s.post(f"{live_server.url}/api/token/refresh/", json={"refresh": tokens["refresh"]})] * 10
    )

    logout, refreshes = responses[0], responses[1:]
    # Whoever got the lock first spent the token; everyone after found it spent or the session ended.
    assert sum(r.status_code in (200, 204) for r in responses) == 1, [r.status_code for r in responses]
    assert logout.status_code in (204, 401)
    assert all(r.status_code in (200, 401) for r in refreshes)
    family = TokenFamily.objects.get(user__phone=phone)
    assert family.revoked_at is not None
    if logout.status_code == 204:
        assert family.revoke_reason == TokenFamily.RevokeReason.LOGOUT
    assert all(_dead(live_server, r.json()) for r in refreshes if r.ok)
    assert _dead(live_server, tokens)


def test_a_thief_and_the_victim_refreshing_at_once_both_lose_the_session(live_server, new_phone):
    phone = new_phone()
    stolen = _sign_in(live_server, phone)
    # The victim refreshed once; the thief replays the copy it stole before that, while the victim refreshes again.
    [victim_pair] = run_at_once(
        [lambda s: s.post(f"{live_server.url}/api/token/refresh/", json={"refresh": stolen["refresh"]})]
    )
    victim = victim_pair.json()

    thief_try, victim_try = run_at_once(
        [
            lambda s: s.post(f"{live_server.url}/api/token/refresh/", json={"refresh": stolen["refresh"]}),
            lambda s: s.post(f"{live_server.url}/api/token/refresh/", json={"refresh": victim["refresh"]}),
        ]
    )

    assert thief_try.status_code == 401
    assert TokenFamily.objects.get(user__phone=phone).revoke_reason == TokenFamily.RevokeReason.REUSE
    assert _dead(live_server, victim)
    if victim_try.ok:
        # The victim's refresh got the lock first: its new pair dies with the session all the same.
        assert _dead(live_server, victim_try.json())


@pytest.mark.server
def test_through_gunicorn_parallel_refreshes_and_a_racing_logout_leave_no_live_session(new_phone):
    # The production server (gevent workers), as the attack went: the rules hold there too.
    def sign_in(base) -> dict:
        phone = new_phone()
        code = requests.post(f"{base}/api/login/", json={"phone": phone}, timeout=30).json()["code"]
        verified = requests.post(f"{base}/api/verify/", json={"phone": phone, "token": code}, timeout=30)
        assert verified.status_code == 200, verified.text
        return verified.json()

    def post(url, token):
        return lambda s: s.post(url, json={"refresh": token}, timeout=30)

    def dead(base, tokens) -> bool:
        refreshed = requests.post(f"{base}/api/token/refresh/", json={"refresh": tokens["refresh"]}, timeout=30)
        profile = requests.get(
            f"{base}/api/profile/", headers={"Authorization": f"Bearer {tokens['access']}"}, timeout=30
        )
        return refreshed.status_code == 401 and profile.status_code == 401

    with gunicorn(THROTTLE_LOGIN="1000/hour", THROTTLE_VERIFY="1000/hour") as base:
        tokens = sign_in(base)
        responses = run_at_once([post(f"{base}/api/token/refresh/", tokens["refresh"])] * 20)
        assert sorted(r.status_code for r in responses) == [200] + [401] * 19
        assert all(dead(base, r.json()) for r in responses if r.ok)

        tokens = sign_in(base)
        responses = run_at_once(
            [post(f"{base}/api/logout/", tokens["refresh"])]
            + [post(f"{base}/api/token/refresh/", tokens["refresh"])] * 10
        )
        assert sum(r.status_code in (200, 204) for r in responses) == 1
        assert all(dead(base, r.json()) for r in responses[1:] if r.ok)
        assert dead(base, tokens)

    assert BlacklistedToken.objects.count() == 2
    assert TokenFamily.objects.count() == 2
    assert not TokenFamily.objects.filter(revoked_at=None).exists()
