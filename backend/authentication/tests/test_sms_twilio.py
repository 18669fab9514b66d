"""Twilio against a local server that answers like the Messages resource of the 2010-04-01 API."""

import time

import pytest
from werkzeug import Response

from authentication.sms.base import SmsSendError
from authentication.sms.twilio import TwilioSmsBackend

PHONE = "+79161234567"
SID = "AC" + "0" * 32
MESSAGES = f"/2010-04-01/Accounts/{SID}/Messages.json"


def created(**fields):
    return {
        "sid": "SM" + "1" * 32,
        "account_sid": SID,
        "to": PHONE,
        "from": "+15005550006",
        "body": "code 0421",
        "status": "queued",
        "error_code": None,
        "error_message": None,
        "api_version": "2010-04-01",
        "uri": f"/2010-04-01/Accounts/{SID}/Messages/SM{'1' * 32}.json",
        **fields,
    }


def twilio_error(code, message, status):
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def test_twilio_creates_a_message_with_basic_auth_and_returns_its_sid(sms_providers, httpserver):
    httpserver.expect_request(MESSAGES, method="POST").respond_with_json(created(), status=201)

    assert TwilioSmsBackend().send(phone=PHONE, text="code 0421") == "SM" + "1" * 32

    request, _ = httpserver.log[0]
    assert (request.authorization.username, request.authorization.password) == (SID, "twilio-auth-token")
    assert request.mimetype == "application/x-www-form-urlencoded"
    assert request.form.to_dict() == {"To": PHONE, "From": "+15005550006", "Body": "code 0421"}


def test_twilio_sends_through_a_messaging_service_when_twilio_from_is_one(sms_providers, httpserver):
    sms_providers.TWILIO_FROM = "MG" + "2" * 32
    httpserver.expect_request(MESSAGES, method="POST").respond_with_json(created(), status=201)

    TwilioSmsBackend().send(phone=PHONE, text="code 0421")

    request, _ = httpserver.log[0]
    assert request.form.to_dict() == {"To": PHONE, "MessagingServiceSid": "MG" + "2" * 32, "Body": "code 0421"}


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (400, 21211, "The 'To' number +79161234567 is not a valid phone number."),
        (401, 20003, "Authenticate"),
        (
            400,
            21608,
            "The number +79161234567 is unverified. Trial accounts cannot send messages to unverified numbers.",
        ),
        (400, 21606, "The From phone number +15005550006 is not a valid, SMS-capable inbound phone number."),
        (429, 20429, "Too Many Requests"),
    ],
    ids=["invalid-to", "authenticate", "unverified-trial", "from-not-sms-capable", "too-many-requests"],
)
def test_twilio_raises_the_documented_error_code_and_message(sms_providers, httpserver, status, code, message):
    httpserver.expect_request(MESSAGES, method="POST").respond_with_json(
        twilio_error(code, message, status), status=status
    )

    with pytest.raises(SmsSendError) as caught:
        TwilioSmsBackend().send(phone=PHONE, text="code 0421")

    assert caught.value.code == str(code)
    assert caught.value.message == message


def test_twilio_refuses_a_message_created_as_failed(sms_providers, httpserver):
    answer = created(status="failed", error_code=30008, error_message="Unknown error")
    httpserver.expect_request(MESSAGES, method="POST").respond_with_json(answer, status=201)

    with pytest.raises(SmsSendError) as caught:
        TwilioSmsBackend().send(phone=PHONE, text="code 0421")

    assert caught.value.code == "30008"


def test_twilio_refuses_an_answer_that_is_not_json(sms_providers, httpserver):
    httpserver.expect_request(MESSAGES, method="POST").respond_with_data("upstream down", status=503)

    with pytest.raises(SmsSendError, match="HTTP 503, not JSON"):
        TwilioSmsBackend().send(phone=PHONE, text="code 0421")


def test_twilio_gives_up_when_the_answer_takes_longer_than_sms_send_timeout(sms_providers, slow_server):
    sms_providers.TWILIO_API_URL = slow_server.url_for("/")

    def slow(_request):
        time.sleep(1.5)
        return Response("{}", status=201, content_type="application/json")

    slow_server.expect_request(MESSAGES, method="POST").respond_with_handler(slow)

    started = time.monotonic()
    with pytest.raises(SmsSendError, match="no answer within 0.5 s"):
        TwilioSmsBackend().send(phone=PHONE, text="code 0421")
    assert time.monotonic() - started < 1.2


def test_twilio_reports_a_refused_connection(sms_providers, refused_url):
    sms_providers.TWILIO_API_URL = refused_url

    with pytest.raises(SmsSendError, match="could not reach the provider: ConnectError"):
        TwilioSmsBackend().send(phone=PHONE, text="code 0421")


def test_twilio_without_credentials_is_not_configured(sms_providers, httpserver):
    sms_providers.TWILIO_AUTH_TOKEN = ""

    with pytest.raises(SmsSendError) as caught:
        TwilioSmsBackend().send(phone=PHONE, text="code 0421")

    assert caught.value.code == "not_configured"
    assert httpserver.log == []
