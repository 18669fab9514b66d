"""Sign-in rules under real concurrency: parallel HTTP requests to a live server, each with its own
database connection, on PostgreSQL."""

import pytest

from authentication.models import OtpCode, OtpFailure
from authentication.sms import locmem
from authentication.tests.helpers import last_sms_code, wrong_code
from common.testing import run_at_once
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
    assert OtpCode.objects.get(phone=phone).attempts == 5
    assert OtpFailure.objects.filter(phone=phone).count() == 5
    # The code is dead now, even the right one.
    right = run_at_once([lambda s: s.post(f"{live_server.url}/api/verify/", json={"phone": phone, "token": code})])
    assert right[0].status_code == 400
    assert not User.objects.filter(phone=phone).exists()


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
