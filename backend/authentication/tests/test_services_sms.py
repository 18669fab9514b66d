"""otp_request and its SMS: every provider tried is a row, a code whose SMS never left costs nothing,
test numbers send nothing, codes go only to allowed countries, and the text is the person's language."""

from datetime import timedelta

import pytest
from django.utils import timezone

from authentication.exceptions import InvalidCode, PhoneLocked, PrefixBusy, ResendTooSoon, SmsUnavailable
from authentication.models import OtpCode, SendStatus, SmsMessage
from authentication.services import otp_request, otp_verify
from authentication.sms import locmem
from authentication.tests.helpers import last_sms_code, wrong_code
from common.models import RateCounter
from users.models import User

pytestmark = pytest.mark.django_db

SID = "AC" + "0" * 32
TWILIO_MESSAGES = f"/2010-04-01/Accounts/{SID}/Messages.json"
SMSRU_REFUSES = {"status": "ERROR", "status_code": 220, "status_text": "Сервис временно недоступен"}


def twilio_error(httpserver, *, status=400, code=21211, message="The 'To' number is not a valid phone number."):
    httpserver.expect_request(TWILIO_MESSAGES, method="POST").respond_with_json(
        {"code": code, "message": message, "status": status}, status=status
    )


def test_a_code_sent_by_the_second_provider_records_both_tries(sms_providers, httpserver, new_phone):
    sms_providers.SMS_ROUTE = ["smsru", "twilio"]
    httpserver.expect_request("/sms/send", method="POST").respond_with_json(SMSRU_REFUSES)
    httpserver.expect_request(TWILIO_MESSAGES, method="POST").respond_with_json(
        {"sid": "SM" + "1" * 32, "status": "queued"}, status=201
    )
    phone = new_phone()

    issued = otp_request(phone=phone)

    otp = OtpCode.objects.get(phone=phone)
    assert (otp.send_status, otp.country, otp.prefix) == (SendStatus.SENT, "RU", phone[:-4])
    rows = list(SmsMessage.objects.filter(phone=phone).order_by("id").values("provider", "status", "error_code", "otp"))
    assert rows == [
        {"provider": "smsru", "status": "failed", "error_code": "220", "otp": otp.pk},
        {"provider": "twilio", "status": "sent", "error_code": "", "otp": otp.pk},
    ]
    assert SmsMessage.objects.get(status="sent").provider_message_id == "SM" + "1" * 32
    twilio_request, _ = httpserver.log[1]
    assert twilio_request.form["Body"].endswith(issued.code)


def test_when_every_provider_fails_the_code_is_retired_and_costs_no_send(sms_providers, httpserver, new_phone):
    sms_providers.SMS_ROUTE = ["smsru", "twilio"]
    httpserver.expect_request("/sms/send", method="POST").respond_with_json(SMSRU_REFUSES)
    twilio_error(httpserver)
    phone = new_phone()

    with pytest.raises(SmsUnavailable) as refused:
        otp_request(phone=phone)

    assert refused.value.retry_after == 30
    otp = OtpCode.objects.get(phone=phone)
    assert (otp.send_status, otp.is_active) == (SendStatus.FAILED, False)
    assert list(SmsMessage.objects.filter(phone=phone).values_list("status", flat=True)) == ["failed", "failed"]
    # No cooldown, no daily send used: the person asks again at once and gets a code.
    sms_providers.SMS_ROUTE = []
    retried = otp_request(phone=phone)
    assert otp_verify(phone=phone, code=retried.code, challenge=retried.challenge).is_new is True


def test_a_send_stuck_in_flight_stops_counting_once_no_send_can_take_that_long(new_phone, settings):
    """A worker killed mid-send leaves a code 'pending': it holds the cooldown only while a send could last."""
    settings.OTP_RESEND_SECONDS = 600
    phone = new_phone()
    otp_request(phone=phone)
    OtpCode.objects.filter(phone=phone).update(send_status=SendStatus.PENDING)
    with pytest.raises(ResendTooSoon):
        otp_request(phone=phone)

    OtpCode.objects.filter(phone=phone).update(created_at=timezone.now() - timedelta(seconds=40))

    otp_request(phone=phone)
    assert OtpCode.objects.filter(phone=phone, is_active=True, send_status=SendStatus.SENT).count() == 1


def test_a_test_number_gets_its_fixed_code_no_sms_and_no_send_limit(settings):
    settings.OTP_TEST_NUMBERS = {"+79990000001": "1234"}
    for _ in range(settings.OTP_MAX_SENDS_PER_DAY + 2):  # no cooldown, no daily cap
        issued = otp_request(phone="+79990000001")

    assert issued.code == "1234" and issued.code_length == 4
    assert locmem.outbox == []
    assert not SmsMessage.objects.exists()
    assert set(OtpCode.objects.filter(phone="+79990000001").values_list("send_status", flat=True)) == {"test"}
    assert otp_verify(phone="+79990000001", code="1234", challenge=issued.challenge).is_new is True


def test_a_test_number_keeps_the_tries_per_code(settings):
    settings.OTP_TEST_NUMBERS = {"+79990000001": "1234"}
    otp_request(phone="+79990000001")
    for _ in range(settings.OTP_MAX_ATTEMPTS):
        with pytest.raises(InvalidCode):
            otp_verify(phone="+79990000001", code="0000")

    with pytest.raises(InvalidCode):
        otp_verify(phone="+79990000001", code="1234")
    assert not User.objects.filter(phone="+79990000001").exists()


@pytest.mark.parametrize(("language", "text"), [("ru", "Код для входа: {}"), ("en", "Your sign-in code: {}")])
def test_the_sms_text_is_in_the_persons_language(new_phone, language, text):
    phone = new_phone()
    issued = otp_request(phone=phone, language=language)
    assert locmem.outbox[-1].text == text.format(issued.code)


def test_an_eight_digit_code_fits_the_sms_text(new_phone):
    phone = new_phone()
    first = otp_request(phone=phone)
    with pytest.raises(InvalidCode):
        otp_verify(phone=phone, code=wrong_code(first.code), challenge=first.challenge)
    OtpCode.objects.update(created_at=timezone.now() - timedelta(minutes=2))

    second = otp_request(phone=phone)

    assert last_sms_code(phone) == second.code and len(second.code) == 8


def test_codes_to_numbers_that_differ_only_in_their_last_four_digits_are_capped_per_hour(settings):
    settings.OTP_MAX_SENDS_PER_PREFIX_PER_HOUR = 3
    for last in range(3):
        otp_request(phone=f"+7916123{last:04d}")

    with pytest.raises(PrefixBusy) as refused:
        otp_request(phone="+79161239999")

    assert 0 < refused.value.retry_after <= 3600
    assert not OtpCode.objects.filter(phone="+79161239999").exists()
    assert [sms.phone for sms in locmem.outbox] == ["+79161230000", "+79161230001", "+79161230002"]
    otp_request(phone="+79161249999")  # another prefix has its own budget
    assert RateCounter.objects.get(key="otp-prefix:+7916123").count == 3


def test_a_request_refused_for_its_phone_uses_none_of_the_prefix_budget(settings):
    settings.OTP_MAX_SENDS_PER_PREFIX_PER_HOUR = 2
    otp_request(phone="+79161230000")
    with pytest.raises(ResendTooSoon):
        otp_request(phone="+79161230000")

    otp_request(phone="+79161230001")

    assert RateCounter.objects.get(key="otp-prefix:+7916123").count == 2


def test_test_numbers_use_none_of_the_prefix_budget(settings):
    settings.OTP_MAX_SENDS_PER_PREFIX_PER_HOUR = 1
    settings.OTP_TEST_NUMBERS = {"+79990000001": "1234", "+79990000002": "5678"}
    otp_request(phone="+79990000001")
    otp_request(phone="+79990000002")
    assert not RateCounter.objects.filter(key__startswith="otp-prefix:").exists()


def test_a_test_numbers_fixed_code_cant_be_guessed_through_fresh_challenges(settings):
    """Its code never changes and its codes are free: without a daily cap on wrong entries for everyone, each new
    challenge would be 5 more guesses at the same 4 digits (2,000 requests would cover them all)."""
    settings.OTP_TEST_NUMBERS = {"+79990000001": "1234"}
    guesses = iter(f"{n:04d}" for n in range(10_000) if n != 1234)
    for _ in range(2):
        issued = otp_request(phone="+79990000001")
        for _ in range(settings.OTP_MAX_ATTEMPTS):
            with pytest.raises(InvalidCode):
                otp_verify(phone="+79990000001", code=next(guesses), challenge=issued.challenge)

    issued = otp_request(phone="+79990000001")
    with pytest.raises(PhoneLocked):
        otp_verify(phone="+79990000001", code="1234", challenge=issued.challenge)
    assert not User.objects.filter(phone="+79990000001").exists()
