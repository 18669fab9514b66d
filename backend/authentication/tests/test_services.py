from datetime import timedelta

import pytest
from django.utils import timezone

from authentication.exceptions import InvalidCode, PhoneLocked, ResendTooSoon, TooManyCodes
from authentication.models import OtpCode, OtpFailure
from authentication.services import otp_hash, otp_request, otp_verify
from authentication.sms import locmem
from authentication.tests.helpers import last_sms_code, wrong_code
from users.invite_codes import PATTERN
from users.models import User

pytestmark = pytest.mark.django_db


def _age_codes(phone: str, by: timedelta) -> None:
    """Move a phone's codes (and failures) into the past, as if time had passed."""
    for otp in OtpCode.objects.filter(phone=phone):
        OtpCode.objects.filter(pk=otp.pk).update(created_at=otp.created_at - by, expires_at=otp.expires_at - by)
    for failure in OtpFailure.objects.filter(phone=phone):
        OtpFailure.objects.filter(pk=failure.pk).update(created_at=failure.created_at - by)


def test_request_sends_a_four_digit_code_and_stores_only_its_hash(new_phone):
    phone = new_phone()
    issued = otp_request(phone=phone)

    assert len(locmem.outbox) == 1
    assert locmem.outbox[0].phone == phone
    assert locmem.outbox[0].text == f"code {issued.code}"
    assert len(issued.code) == 4 and issued.code.isdigit()
    otp = OtpCode.objects.get(phone=phone)
    assert otp.is_active and otp.attempts == 0
    assert issued.code not in otp.code_hash
    assert otp.code_hash == otp_hash(phone=phone, code=issued.code)
    assert (otp.expires_at - otp.created_at) == timedelta(seconds=300)


def test_new_code_kills_the_previous_one(new_phone, settings):
    settings.OTP_RESEND_SECONDS = 0
    phone = new_phone()
    first = otp_request(phone=phone).code
    second = otp_request(phone=phone).code

    assert OtpCode.objects.filter(phone=phone, is_active=True).count() == 1
    if first != second:
        with pytest.raises(InvalidCode):
            otp_verify(phone=phone, code=first)
    assert otp_verify(phone=phone, code=second).user.phone == phone


def test_request_within_cooldown_is_refused_with_retry_after(new_phone):
    phone = new_phone()
    otp_request(phone=phone)

    with pytest.raises(ResendTooSoon) as excinfo:
        otp_request(phone=phone)

    assert 55 <= excinfo.value.retry_after <= 60
    assert OtpCode.objects.filter(phone=phone).count() == 1
    assert len(locmem.outbox) == 1


def test_request_after_cooldown_sends_a_new_code(new_phone):
    phone = new_phone()
    otp_request(phone=phone)
    _age_codes(phone, timedelta(seconds=61))

    otp_request(phone=phone)

    assert OtpCode.objects.filter(phone=phone).count() == 2
    assert len(locmem.outbox) == 2


def test_request_refuses_the_eleventh_code_in_a_day(new_phone):
    phone = new_phone()
    for _ in range(10):
        otp_request(phone=phone)
        _age_codes(phone, timedelta(minutes=2))

    with pytest.raises(TooManyCodes) as excinfo:
        otp_request(phone=phone)

    assert OtpCode.objects.filter(phone=phone).count() == 10
    # The oldest of the ten was sent 20 minutes ago (in test time): free again in 23 h 40 min.
    assert abs(excinfo.value.retry_after - (24 * 3600 - 20 * 60)) <= 2


def test_verify_creates_the_user_with_an_invite_code_on_first_sign_in(new_phone):
    phone = new_phone()
    code = otp_request(phone=phone).code

    sign_in = otp_verify(phone=phone, code=code)

    assert sign_in.is_new is True
    user = User.objects.get(phone=phone)
    assert sign_in.user == user
    assert PATTERN.match(user.invite_code)
    assert not user.has_usable_password()
    otp = OtpCode.objects.get(phone=phone)
    assert otp.is_active is False and otp.used_at is not None


def test_verify_signs_in_the_same_user_later(new_phone):
    phone = new_phone()
    first = otp_verify(phone=phone, code=otp_request(phone=phone).code)
    _age_codes(phone, timedelta(seconds=61))

    second = otp_verify(phone=phone, code=otp_request(phone=phone).code)

    assert second.is_new is False
    assert second.user.pk == first.user.pk
    assert second.user.invite_code == first.user.invite_code
    assert User.objects.filter(phone=phone).count() == 1


def test_verify_code_is_single_use(new_phone):
    phone = new_phone()
    code = otp_request(phone=phone).code
    otp_verify(phone=phone, code=code)

    with pytest.raises(InvalidCode):
        otp_verify(phone=phone, code=code)


def test_verify_rejects_expired_code(new_phone):
    phone = new_phone()
    code = otp_request(phone=phone).code
    OtpCode.objects.filter(phone=phone).update(expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(InvalidCode):
        otp_verify(phone=phone, code=code)
    assert not User.objects.filter(phone=phone).exists()


def test_verify_rejects_when_no_code_was_sent(new_phone):
    with pytest.raises(InvalidCode):
        otp_verify(phone=new_phone(), code="1234")


def test_verify_rejects_code_sent_to_another_phone(new_phone):
    phone, other = new_phone(), new_phone()
    code = otp_request(phone=phone).code
    otp_request(phone=other)

    if code != last_sms_code(other):
        with pytest.raises(InvalidCode):
            otp_verify(phone=other, code=code)


def test_verify_rejects_right_code_after_five_wrong_attempts(new_phone):
    phone = new_phone()
    code = otp_request(phone=phone).code
    for _ in range(5):
        with pytest.raises(InvalidCode):
            otp_verify(phone=phone, code=wrong_code(code))

    with pytest.raises(InvalidCode):
        otp_verify(phone=phone, code=code)

    assert OtpCode.objects.get(phone=phone).attempts == 5
    assert OtpFailure.objects.filter(phone=phone).count() == 5
    assert not User.objects.filter(phone=phone).exists()


def test_verify_accepts_right_code_after_four_wrong_attempts(new_phone):
    phone = new_phone()
    code = otp_request(phone=phone).code
    for _ in range(4):
        with pytest.raises(InvalidCode):
            otp_verify(phone=phone, code=wrong_code(code))

    assert otp_verify(phone=phone, code=code).is_new is True


def test_ten_wrong_codes_a_day_lock_the_phone_for_login_and_verify(new_phone):
    phone = new_phone()
    for _ in range(2):
        code = otp_request(phone=phone).code
        for _ in range(5):
            with pytest.raises(InvalidCode):
                otp_verify(phone=phone, code=wrong_code(code))
        _age_codes(phone, timedelta(minutes=2))
    assert OtpFailure.objects.filter(phone=phone).count() == 10

    with pytest.raises(PhoneLocked) as login_exc:
        otp_request(phone=phone)
    with pytest.raises(PhoneLocked):
        otp_verify(phone=phone, code="0000")

    assert abs(login_exc.value.retry_after - (24 * 3600 - 4 * 60)) <= 2
    assert OtpCode.objects.filter(phone=phone).count() == 2
    assert OtpFailure.objects.filter(phone=phone).count() == 10


def test_lock_ends_when_the_failures_leave_the_window(new_phone):
    phone = new_phone()
    code = otp_request(phone=phone).code
    for _ in range(5):
        with pytest.raises(InvalidCode):
            otp_verify(phone=phone, code=wrong_code(code))
    OtpFailure.objects.bulk_create([OtpFailure(phone=phone) for _ in range(5)])
    with pytest.raises(PhoneLocked):
        otp_request(phone=phone)

    _age_codes(phone, timedelta(hours=24, seconds=1))

    new_code = otp_request(phone=phone).code
    assert otp_verify(phone=phone, code=new_code).is_new is True
