from datetime import timedelta

import pytest
from django.utils import timezone

from authentication.exceptions import CodeReplaced, InvalidCode, PhoneLocked, ResendTooSoon, TooManyCodes
from authentication.models import OtpCode, OtpFailure
from authentication.services import challenge_hash, otp_hash, otp_request, otp_verify
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
    assert locmem.outbox[0].text == f"Код для входа: {issued.code}"
    assert len(issued.code) == 4 and issued.code.isdigit()
    otp = OtpCode.objects.get(phone=phone)
    assert otp.is_active and otp.attempts == 0
    assert issued.code not in otp.code_hash
    assert otp.code_hash == otp_hash(phone=phone, code=issued.code)
    assert (otp.expires_at - otp.created_at) == timedelta(seconds=300)


def _codes_drawn(monkeypatch, *numbers: int) -> None:
    """The next codes otp_request draws are `numbers`, in order (distinct codes, no 1-in-10,000 collision)."""
    draws = iter(numbers)
    monkeypatch.setattr("authentication.services.secrets.randbelow", lambda _bound: next(draws))


def test_new_code_kills_the_previous_one(new_phone, settings, monkeypatch):
    settings.OTP_RESEND_SECONDS = 0
    _codes_drawn(monkeypatch, 1111, 2222)
    phone = new_phone()
    first = otp_request(phone=phone).code
    second = otp_request(phone=phone).code

    assert (first, second) == ("1111", "2222")
    assert OtpCode.objects.filter(phone=phone, is_active=True).count() == 1
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


def test_verify_rejects_code_sent_to_another_phone(new_phone, monkeypatch):
    _codes_drawn(monkeypatch, 1111, 2222)
    phone, other = new_phone(), new_phone()
    code = otp_request(phone=phone).code
    otp_request(phone=other)

    assert (code, last_sms_code(other)) == ("1111", "2222")
    with pytest.raises(InvalidCode):
        otp_verify(phone=other, code=code)
    assert OtpCode.objects.get(phone=other, is_active=True).open_attempts == 1
    assert otp_verify(phone=phone, code=code).user.phone == phone


def test_verify_rejects_right_code_after_five_wrong_attempts(new_phone):
    phone = new_phone()
    code = otp_request(phone=phone).code
    for _ in range(5):
        with pytest.raises(InvalidCode):
            otp_verify(phone=phone, code=wrong_code(code))

    with pytest.raises(InvalidCode):
        otp_verify(phone=phone, code=code)

    assert OtpCode.objects.get(phone=phone).open_attempts == 5
    assert OtpFailure.objects.filter(phone=phone).count() == 5
    assert not User.objects.filter(phone=phone).exists()


def test_verify_accepts_right_code_after_four_wrong_attempts(new_phone):
    phone = new_phone()
    code = otp_request(phone=phone).code
    for _ in range(4):
        with pytest.raises(InvalidCode):
            otp_verify(phone=phone, code=wrong_code(code))

    assert otp_verify(phone=phone, code=code).is_new is True


def test_ten_wrong_codes_a_day_close_open_entries_but_not_new_codes_or_their_holders(new_phone):
    phone = new_phone()
    for _ in range(2):
        code = otp_request(phone=phone).code
        for _ in range(5):
            with pytest.raises(InvalidCode):
                otp_verify(phone=phone, code=wrong_code(code))
        _age_codes(phone, timedelta(minutes=2))
    assert OtpFailure.objects.filter(phone=phone).count() == 10

    issued = otp_request(phone=phone)
    with pytest.raises(PhoneLocked) as open_exc:
        otp_verify(phone=phone, code=issued.code)

    assert abs(open_exc.value.retry_after - (24 * 3600 - 4 * 60)) <= 2
    assert OtpCode.objects.get(phone=phone, is_active=True).open_attempts == 0
    assert otp_verify(phone=phone, code=issued.code, challenge=issued.challenge).is_new is True
    assert OtpFailure.objects.filter(phone=phone).count() == 10


def test_open_entries_reopen_when_the_failures_leave_the_window(new_phone):
    phone = new_phone()
    code = otp_request(phone=phone).code
    for _ in range(5):
        with pytest.raises(InvalidCode):
            otp_verify(phone=phone, code=wrong_code(code))
    OtpFailure.objects.bulk_create([OtpFailure(phone=phone) for _ in range(5)])
    with pytest.raises(PhoneLocked):
        otp_verify(phone=phone, code=code)

    _age_codes(phone, timedelta(hours=24, seconds=1))

    new_code = otp_request(phone=phone).code
    assert len(new_code) == 4
    assert otp_verify(phone=phone, code=new_code).is_new is True


def test_request_hands_out_a_challenge_and_stores_only_its_keyed_hash(new_phone):
    phone = new_phone()

    first = otp_request(phone=phone)
    _age_codes(phone, timedelta(minutes=2))
    second = otp_request(phone=phone)

    assert len(first.challenge) >= 32 and first.challenge != second.challenge
    stored = OtpCode.objects.get(phone=phone, is_active=True).challenge_hash
    assert stored == challenge_hash(second.challenge) and second.challenge not in stored


def test_strangers_wrong_codes_dont_use_up_the_holders_tries(new_phone):
    phone = new_phone()
    issued = otp_request(phone=phone)
    for guess in range(8):  # without the challenge, and with a forged one
        with pytest.raises(InvalidCode):
            otp_verify(phone=phone, code=f"{guess:04d}" if f"{guess:04d}" != issued.code else "9999")
    with pytest.raises(InvalidCode):
        otp_verify(phone=phone, code=wrong_code(issued.code), challenge="forged-challenge")

    assert otp_verify(phone=phone, code=issued.code, challenge=issued.challenge).is_new is True
    used = OtpCode.objects.get(phone=phone)
    assert (used.open_attempts, used.attempts, used.used_at is not None) == (5, 1, True)
    assert OtpFailure.objects.filter(phone=phone, with_challenge=False).count() == 5


def test_holder_has_five_tries_of_its_own(new_phone):
    phone = new_phone()
    issued = otp_request(phone=phone)
    for _ in range(5):
        with pytest.raises(InvalidCode):
            otp_verify(phone=phone, code=wrong_code(issued.code), challenge=issued.challenge)

    with pytest.raises(InvalidCode):
        otp_verify(phone=phone, code=issued.code, challenge=issued.challenge)

    code_row = OtpCode.objects.get(phone=phone)
    assert (code_row.attempts, code_row.open_attempts, code_row.is_active) == (5, 0, True)
    assert OtpFailure.objects.filter(phone=phone, with_challenge=True).count() == 5
    assert not User.objects.filter(phone=phone).exists()


def test_challenge_of_a_replaced_code_is_refused_without_checking_the_code(new_phone):
    phone = new_phone()
    old = otp_request(phone=phone)
    _age_codes(phone, timedelta(minutes=2))
    new = otp_request(phone=phone)

    with pytest.raises(CodeReplaced):
        otp_verify(phone=phone, code=new.code, challenge=old.challenge)

    live = OtpCode.objects.get(phone=phone, is_active=True)
    assert (live.attempts, live.open_attempts) == (0, 0)
    assert not OtpFailure.objects.filter(phone=phone).exists()
    assert otp_verify(phone=phone, code=new.code, challenge=new.challenge).is_new is True
    # Once signed in, the old challenge is just invalid: there is no newer code to point to.
    with pytest.raises(InvalidCode) as after:
        otp_verify(phone=phone, code=new.code, challenge=old.challenge)
    assert type(after.value) is InvalidCode


def test_codes_after_a_wrong_entry_that_day_are_longer(new_phone, settings):
    phone = new_phone()
    first = otp_request(phone=phone)
    with pytest.raises(InvalidCode):
        otp_verify(phone=phone, code=wrong_code(first.code), challenge=first.challenge)
    _age_codes(phone, timedelta(minutes=2))

    second = otp_request(phone=phone)

    assert (len(first.code), first.code_length) == (4, 4)
    assert len(second.code) == second.code_length == settings.OTP_HARDENED_CODE_LENGTH == 8
    assert OtpCode.objects.get(phone=phone, is_active=True).digits == 8
    assert otp_verify(phone=phone, code=second.code, challenge=second.challenge).is_new is True


def test_a_day_of_guessing_checks_at_most_ten_entries_against_four_digit_codes(new_phone, settings):
    """The odds in the README: whatever a stranger does in 24 h (every code the phone can get, every try with
    and without the challenge), at most 10 entries are checked against 4-digit codes, all against one code."""
    phone = new_phone()
    for _ in range(settings.OTP_MAX_SENDS_PER_DAY):
        issued = otp_request(phone=phone)
        for challenge in (issued.challenge, None):
            for _ in range(settings.OTP_MAX_ATTEMPTS + 2):
                with pytest.raises((InvalidCode, PhoneLocked)):
                    otp_verify(phone=phone, code=wrong_code(issued.code), challenge=challenge)
        _age_codes(phone, timedelta(seconds=settings.OTP_RESEND_SECONDS + 1))
    with pytest.raises(TooManyCodes):
        otp_request(phone=phone)

    codes = OtpCode.objects.filter(phone=phone)
    four_digit_checks = sum(c.attempts + c.open_attempts for c in codes if c.digits == 4)
    assert four_digit_checks == 10
    assert codes.filter(digits=4).count() == 1
    assert codes.filter(digits=8).count() == settings.OTP_MAX_SENDS_PER_DAY - 1
