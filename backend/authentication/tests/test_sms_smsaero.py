"""SMS Aero against a local server that answers like https://gate.smsaero.ru/v2/sms/send."""

import time

import pytest
from werkzeug import Response

from authentication.sms.base import SmsSendError
from authentication.sms.smsaero import SmsAeroSmsBackend

PHONE = "+79161234567"


def test_smsaero_posts_number_text_and_sign_with_basic_auth_and_returns_the_message_id(sms_providers, httpserver):
    httpserver.expect_request("/v2/sms/send", method="POST").respond_with_json(
        {
            "success": True,
            "data": {
                "id": 686325,
                "from": "Referral",
                "number": "79161234567",
                "text": "code 0421",
                "status": 8,
                "extendStatus": "moderation",
                "channel": "FREE SIGN",
                "cost": 5.49,
                "dateCreate": 1719119523,
                "dateSend": 1719119523,
            },
            "message": None,
        }
    )

    assert SmsAeroSmsBackend().send(phone=PHONE, text="code 0421") == "686325"

    request, _ = httpserver.log[0]
    assert (request.authorization.username, request.authorization.password) == ("ops@example.com", "aero-api-key")
    assert request.get_json() == {"number": 79161234567, "text": "code 0421", "sign": "Referral"}


@pytest.mark.parametrize(
    ("status", "answer", "code", "text"),
    [
        (
            401,
            {"success": False, "data": None, "message": "Your request was made with invalid credentials."},
            "401",
            "invalid credentials",
        ),
        (
            400,
            {"success": False, "data": {"number": ["Number is invalid."]}, "message": "Validation error."},
            "400",
            "Number is invalid.",
        ),
        # The older gateway's refusals, which the official clients still handle.
        (200, {"result": "no credits"}, "no credits", "no credits"),
        (200, {"result": "reject", "reason": "incorrect sender name"}, "reject", "incorrect sender name"),
        # success false on an HTTP 200 is a refusal all the same.
        (200, {"success": False, "data": None, "message": "Sign is not approved"}, "200", "Sign is not approved"),
    ],
    ids=["invalid-credentials", "validation-error", "no-credits", "reject", "refused-with-200"],
)
def test_smsaero_raises_the_documented_error(sms_providers, httpserver, status, answer, code, text):
    httpserver.expect_request("/v2/sms/send", method="POST").respond_with_json(answer, status=status)

    with pytest.raises(SmsSendError) as caught:
        SmsAeroSmsBackend().send(phone=PHONE, text="code 0421")

    assert caught.value.code == code
    assert text in caught.value.message


def test_smsaero_refuses_an_answer_that_is_not_json(sms_providers, httpserver):
    httpserver.expect_request("/v2/sms/send", method="POST").respond_with_data("Bad Gateway", status=502)

    with pytest.raises(SmsSendError, match="HTTP 502, not JSON"):
        SmsAeroSmsBackend().send(phone=PHONE, text="code 0421")


def test_smsaero_gives_up_when_the_answer_takes_longer_than_sms_send_timeout(sms_providers, slow_server):
    sms_providers.SMSAERO_API_URL = slow_server.url_for("/v2")

    def slow(_request):
        time.sleep(1.5)
        return Response('{"success": true, "data": {"id": 1}}', content_type="application/json")

    slow_server.expect_request("/v2/sms/send", method="POST").respond_with_handler(slow)

    started = time.monotonic()
    with pytest.raises(SmsSendError, match="no answer within 0.5 s"):
        SmsAeroSmsBackend().send(phone=PHONE, text="code 0421")
    assert time.monotonic() - started < 1.2


def test_smsaero_reports_a_refused_connection(sms_providers, refused_url):
    sms_providers.SMSAERO_API_URL = refused_url + "/v2"

    with pytest.raises(SmsSendError, match="could not reach the provider: ConnectError"):
        SmsAeroSmsBackend().send(phone=PHONE, text="code 0421")


def test_smsaero_without_credentials_is_not_configured(sms_providers, httpserver):
    sms_providers.SMSAERO_API_KEY = ""

    with pytest.raises(SmsSendError) as caught:
        SmsAeroSmsBackend().send(phone=PHONE, text="code 0421")

    assert caught.value.code == "not_configured"
    assert httpserver.log == []
