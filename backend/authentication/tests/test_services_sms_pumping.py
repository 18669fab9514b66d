"""Defences against SMS pumping beyond one phone's limits: an hourly SMS budget for all numbers, and the
conversion watch that blocks a number prefix or a country whose codes are rarely used."""

import logging

import pytest
from django.utils import timezone

from authentication.exceptions import ResendTooSoon, SendingBlocked, SmsBudgetExhausted
from authentication.models import OtpCode, SendStatus, SmsBlock, SmsMessage
from authentication.services import _conversion_watch, otp_request, otp_verify, sms_blocks_lift
from authentication.sms import locmem
from authentication.tests.helpers import last_sms_code
from common.models import RateCounter

pytestmark = pytest.mark.django_db

SERVICES_LOGGER = "authentication.services"


def used_codes(prefix: str, country: str = "RU", *, count: int) -> None:
    """`count` codes sent and used a moment ago to numbers of `prefix`: healthy traffic."""
    now = timezone.now()
    OtpCode.objects.bulk_create(
        OtpCode(
            phone=f"{prefix}{i:04d}",
            country=country,
            prefix=prefix,
            send_status=SendStatus.SENT,
            code_hash="x",
            is_active=False,
            created_at=now,
            expires_at=now,
            used_at=now,
        )
        for i in range(count)
    )


def records(caplog, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == SERVICES_LOGGER and r.levelno == level]


# ---- The hourly SMS budget ----


def test_past_the_hourly_budget_no_code_is_sent_and_the_phone_is_charged_nothing(settings):
    settings.SMS_BUDGET_PER_HOUR = 2
    otp_request(phone="+79161110000")
    otp_request(phone="+79162220000")

    with pytest.raises(SmsBudgetExhausted) as refused:
        otp_request(phone="+79163330000")

    assert 0 < refused.value.retry_after <= 3600
    assert refused.value.body()["code"] == "sms_budget_exhausted"
    assert not OtpCode.objects.filter(phone="+79163330000").exists()
    assert not SmsMessage.objects.filter(phone="+79163330000").exists()
    assert [sms.phone for sms in locmem.outbox] == ["+79161110000", "+79162220000"]
    assert RateCounter.objects.get(key="sms-budget").count == 2
    # Neither its prefix cap nor its cooldown was charged: with budget again, the same phone gets a code at once.
    assert not RateCounter.objects.filter(key="otp-prefix:+7916333").exists()
    settings.SMS_BUDGET_PER_HOUR = 3
    otp_request(phone="+79163330000")
    assert OtpCode.objects.get(phone="+79163330000").send_status == SendStatus.SENT


def test_a_spent_budget_is_logged_once_however_many_requests_it_refuses(settings, caplog):
    settings.SMS_BUDGET_PER_HOUR = 1
    otp_request(phone="+79161110000")

    with caplog.at_level(logging.ERROR, logger=SERVICES_LOGGER):
        for last in range(5):
            with pytest.raises(SmsBudgetExhausted):
                otp_request(phone=f"+7916222{last:04d}")

    (logged,) = records(caplog, logging.ERROR)
    assert "SMS budget spent: 1 SMS sent this hour (SMS_BUDGET_PER_HOUR)" in logged
    assert RateCounter.objects.get(key="sms-budget-logged").count == 1


def test_test_numbers_sign_in_when_the_budget_is_spent_and_take_none_of_it(settings):
    settings.SMS_BUDGET_PER_HOUR = 1
    settings.OTP_TEST_NUMBERS = {"+79990000001": "1234"}
    otp_request(phone="+79161110000")
    with pytest.raises(SmsBudgetExhausted):
        otp_request(phone="+79162220000")

    issued = otp_request(phone="+79990000001")

    assert issued.code == "1234"
    assert otp_verify(phone="+79990000001", code="1234", challenge=issued.challenge).user.phone == "+79990000001"
    assert RateCounter.objects.get(key="sms-budget").count == 1


def test_a_request_refused_for_its_phone_takes_none_of_the_budget(settings):
    settings.SMS_BUDGET_PER_HOUR = 2
    otp_request(phone="+79161110000")
    with pytest.raises(ResendTooSoon):
        otp_request(phone="+79161110000")

    otp_request(phone="+79162220000")

    assert RateCounter.objects.get(key="sms-budget").count == 2


# ---- The conversion watch ----


@pytest.fixture
def operator(django_user_model):
    return django_user_model.objects.create_superuser(phone="+79990000009", password="a-long-admin-password")


@pytest.fixture
def watch(settings):
    settings.OTP_CONVERSION_MIN_SENDS = 5
    settings.OTP_MIN_CONVERSION = 0.2
    settings.OTP_RESEND_SECONDS = 0
    return settings


def test_the_watch_blocks_a_prefix_whose_codes_go_unused_after_min_sends(watch, caplog):
    used_codes("+7916999", count=50)  # the country's other traffic is healthy
    with caplog.at_level(logging.WARNING, logger=SERVICES_LOGGER):
        for last in range(4):
            otp_request(phone=f"+7916123{last:04d}")
        assert not SmsBlock.objects.exists()

        otp_request(phone="+79161230004")  # the 5th code: 5 sent, none used

    block = SmsBlock.objects.get()
    assert (block.kind, block.value, block.sends, block.conversion, block.lifted_at) == (
        "prefix",
        "+7916123",
        5,
        0.0,
        None,
    )
    assert records(caplog, logging.WARNING) == [
        "SMS to number prefix +7916123 blocked by the conversion watch: "
        "5 codes sent in 24 h, 0 used (0%, below OTP_MIN_CONVERSION 20%)"
    ]


def test_a_blocked_prefix_gets_no_code_and_the_phone_is_charged_nothing(watch):
    SmsBlock.objects.create(kind="prefix", value="+7916123", conversion=0, sends=5)

    with pytest.raises(SendingBlocked) as refused:
        otp_request(phone="+79161239999")

    assert refused.value.body() == {
        "detail": "SMS sign-in is paused for numbers like this one. Try again later.",
        "code": "prefix_blocked",
        "retry_after": 3600,
    }
    assert not OtpCode.objects.filter(phone="+79161239999").exists()
    assert not SmsMessage.objects.exists() and not locmem.outbox
    assert not RateCounter.objects.exists()
    otp_request(phone="+79161249999")  # the next prefix is not blocked


def test_the_watch_leaves_a_prefix_alone_while_enough_of_its_codes_are_used(watch):
    used_codes("+7916999", count=50)
    for last in range(4):
        otp_request(phone=f"+7916123{last:04d}")
    otp_verify(phone="+79161230000", code=last_sms_code("+79161230000"))

    otp_request(phone="+79161230004")  # 5 sent, 1 used: 20%, not below 20%

    assert not SmsBlock.objects.exists()


def test_the_watch_never_blocks_the_home_country_as_a_whole(watch):
    for n in range(6):
        otp_request(phone=f"+791{n}1230000")

    assert not SmsBlock.objects.filter(kind="country").exists()
    otp_request(phone="+79261230000")


def test_the_watch_blocks_a_country_whose_codes_go_unused_across_prefixes(watch):
    watch.OTP_CONVERSION_WATCH_EXEMPT_REGIONS = []
    for n in range(5):
        otp_request(phone=f"+791{n}1230000")

    assert list(SmsBlock.objects.values_list("kind", "value", "sends")) == [("country", "RU", 5)]
    with pytest.raises(SendingBlocked):
        otp_request(phone="+79261230000")


def test_the_watch_takes_one_statement_per_code_sent(watch, django_assert_num_queries):
    used_codes("+7916999", count=50)
    used_codes("+7916123", count=3)

    with django_assert_num_queries(1):  # the prefix's and country's blocks and both counts
        _conversion_watch(prefix="+7916123", country="RU")


def test_test_numbers_are_never_blocked(watch):
    watch.OTP_TEST_NUMBERS = {"+79990000001": "1234"}
    SmsBlock.objects.create(kind="prefix", value="+7999000", conversion=0, sends=5)
    SmsBlock.objects.create(kind="country", value="RU", conversion=0, sends=5)

    assert otp_request(phone="+79990000001").code == "1234"


def test_a_lifted_prefix_blocks_again_only_after_min_sends_new_codes(watch, operator):
    used_codes("+7916999", count=50)
    for last in range(5):
        otp_request(phone=f"+7916123{last:04d}")
    block = SmsBlock.objects.get()

    assert sms_blocks_lift(blocks=[block], by=operator) == 1

    # The 5 unused codes of before the lift are still in the last 24 h; they don't count again.
    for last in range(5, 9):
        otp_request(phone=f"+7916123{last:04d}")
    assert not SmsBlock.objects.filter(lifted_at=None).exists()
    otp_request(phone="+79161230009")  # the 5th code since the lift
    again = SmsBlock.objects.get(lifted_at=None)
    assert (again.value, again.sends) == ("+7916123", 5)
    assert "since the last lift" in again.reason
    block.refresh_from_db()
    assert block.lifted_by == operator and block.lifted_at is not None


def test_lifting_a_lifted_block_changes_nothing(watch, operator):
    block = SmsBlock.objects.create(kind="prefix", value="+7916123", conversion=0, sends=5)
    sms_blocks_lift(blocks=[block], by=operator)
    lifted_at = SmsBlock.objects.get().lifted_at

    assert sms_blocks_lift(blocks=[block], by=None) == 0
    assert SmsBlock.objects.get().lifted_at == lifted_at
