"""The SMS route: providers tried in SMS_ROUTE's order, each failure skipped, SmsUnavailable when all fail."""

import time

import pytest
from rest_framework import status
from werkzeug import Response

from authentication.exceptions import SmsUnavailable
from authentication.sms import locmem
from authentication.sms.base import BaseSmsBackend, SmsSendError
from authentication.sms.route import SmsSendResult, sms_route, sms_send
from common.exceptions import api_exception_handler

PHONE = "+79161234567"
SID = "AC" + "0" * 32
TWILIO_MESSAGES = f"/2010-04-01/Accounts/{SID}/Messages.json"
TWILIO_SID = "SM" + "1" * 32


class CrashingSmsBackend(BaseSmsBackend):
    name = "crashing"

    def send(self, *, phone: str, text: str) -> str:
        raise KeyError("sms_id")


class RefusingSmsBackend(BaseSmsBackend):
    name = "refusing"

    def send(self, *, phone: str, text: str) -> str:
        raise SmsSendError("no route", code=207)


def twilio_accepts(httpserver):
    httpserver.expect_request(TWILIO_MESSAGES, method="POST").respond_with_json(
        {"sid": TWILIO_SID, "status": "queued", "to": PHONE}, status=201
    )


def test_without_sms_route_the_route_is_sms_backend_alone(settings):
    settings.SMS_ROUTE = []
    settings.SMS_BACKEND = "authentication.sms.locmem.LocmemSmsBackend"

    result = sms_send(phone=PHONE, text="code 0421")

    assert sms_route() == ["authentication.sms.locmem.LocmemSmsBackend"]
    assert result == SmsSendResult(provider="locmem", message_id=None, latency=result.latency, errors=())
    assert [(sms.phone, sms.text) for sms in locmem.outbox] == [(PHONE, "code 0421")]


def test_console_is_a_route_name_and_keeps_the_simulated_delay(settings, capsys):
    settings.SMS_ROUTE = ["console"]
    settings.OTP_SEND_DELAY = (0.2, 0.2)

    result = sms_send(phone=PHONE, text="code 0421")

    assert capsys.readouterr().out == f"SMS to {PHONE}: code 0421\n"
    assert result.provider == "console"
    assert result.latency >= 0.2


def test_the_first_provider_that_takes_the_message_sends_it(sms_providers, httpserver):
    sms_providers.SMS_ROUTE = ["twilio", "smsru"]
    twilio_accepts(httpserver)

    result = sms_send(phone=PHONE, text="code 0421")

    assert (result.provider, result.message_id, result.errors) == ("twilio", TWILIO_SID, ())
    assert [request.path for request, _ in httpserver.log] == [TWILIO_MESSAGES]


def test_a_provider_that_refuses_is_skipped_for_the_next(sms_providers, httpserver):
    sms_providers.SMS_ROUTE = ["smsru", "twilio"]
    httpserver.expect_request("/sms/send", method="POST").respond_with_json(
        {"status": "ERROR", "status_code": 200, "status_text": "Неправильный api_id"}
    )
    twilio_accepts(httpserver)

    result = sms_send(phone=PHONE, text="code 0421")

    assert (result.provider, result.message_id) == ("twilio", TWILIO_SID)
    [error] = result.errors
    assert (error.provider, error.code, error.error) == ("smsru", "200", "Неправильный api_id")
    assert error.latency >= 0


def test_a_provider_slower_than_sms_send_timeout_is_skipped_for_the_next(sms_providers, httpserver, slow_server):
    def slow(_request):
        time.sleep(1.5)
        return Response("{}", content_type="application/json")

    sms_providers.SMS_ROUTE = ["smsaero", "twilio"]
    sms_providers.SMSAERO_API_URL = slow_server.url_for("/v2")
    slow_server.expect_request("/v2/sms/send", method="POST").respond_with_handler(slow)
    twilio_accepts(httpserver)

    started = time.monotonic()
    result = sms_send(phone=PHONE, text="code 0421")

    assert time.monotonic() - started < 1.2
    assert result.provider == "twilio"
    [error] = result.errors
    assert error.provider == "smsaero"
    assert error.error.startswith("no answer within 0.5 s")
    assert 0.4 < error.latency < 1.2


def test_an_unreachable_provider_is_skipped_for_the_next(sms_providers, httpserver, refused_url):
    sms_providers.SMS_ROUTE = ["twilio", "smsru"]
    sms_providers.TWILIO_API_URL = refused_url
    httpserver.expect_request("/sms/send", method="POST").respond_with_json(
        {
            "status": "OK",
            "status_code": 100,
            "sms": {"79161234567": {"status": "OK", "status_code": 100, "sms_id": "7"}},
        }
    )

    result = sms_send(phone=PHONE, text="code 0421")

    assert (result.provider, result.message_id) == ("smsru", "7")
    assert [(e.provider, e.code) for e in result.errors] == [("twilio", None)]
    assert "ConnectError" in result.errors[0].error


def test_a_crashing_backend_is_skipped_too(settings):
    settings.SMS_ROUTE = [f"{__name__}.CrashingSmsBackend", "authentication.sms.locmem.LocmemSmsBackend"]

    result = sms_send(phone=PHONE, text="code 0421")

    assert result.provider == "locmem"
    assert [(e.provider, e.error) for e in result.errors] == [("crashing", "KeyError: 'sms_id'")]
    assert len(locmem.outbox) == 1


def test_when_every_provider_fails_sms_unavailable_carries_each_error(sms_providers, httpserver, refused_url):
    sms_providers.SMS_ROUTE = ["smsru", "smsaero", "twilio", f"{__name__}.RefusingSmsBackend"]
    sms_providers.SMSAERO_API_URL = refused_url + "/v2"
    sms_providers.TWILIO_AUTH_TOKEN = ""
    httpserver.expect_request("/sms/send", method="POST").respond_with_json(
        {"status": "ERROR", "status_code": 220, "status_text": "Сервис временно недоступен"}
    )

    with pytest.raises(SmsUnavailable) as caught:
        sms_send(phone=PHONE, text="code 0421")

    errors = caught.value.errors
    assert [(e.provider, e.code) for e in errors] == [
        ("smsru", "220"),
        ("smsaero", None),
        ("twilio", "not_configured"),
        ("refusing", "207"),
    ]
    assert locmem.outbox == []


def test_sms_unavailable_answers_503_with_a_code_and_retry_after():
    response = api_exception_handler(SmsUnavailable(errors=()), {"view": object()})

    assert response.status_code == status.HTTP_503_SERVICE_UNAVAILABLE
    assert response.data == {
        "detail": "The code could not be sent by SMS right now. Try again shortly.",
        "code": "sms_unavailable",
        "retry_after": 30,
    }
    assert response["Retry-After"] == "30"
