"""SMS.ru against a local server that answers like https://sms.ru/sms/send (json=1)."""

import time

import pytest
from werkzeug import Response

from authentication.sms.base import SmsSendError
from authentication.sms.smsru import SmsRuSmsBackend

PHONE = "+79161234567"


def accepted(sms_id="000000-10000000"):
    return {
        "status": "OK",
        "status_code": 100,
        "sms": {"79161234567": {"status": "OK", "status_code": 100, "sms_id": sms_id}},
        "balance": 4122.56,
    }


def test_smsru_sends_api_id_number_text_and_sender_and_returns_the_sms_id(sms_providers, httpserver):
    httpserver.expect_request("/sms/send", method="POST").respond_with_json(accepted("202-301"))

    assert SmsRuSmsBackend().send(phone=PHONE, text="code 0421") == "202-301"

    request, _ = httpserver.log[0]
    assert request.form.to_dict() == {
        "api_id": "A3CA597E-3ACF-4E7D-82EE-CF82B52B1A8B",
        "to": "79161234567",
        "msg": "code 0421",
        "json": "1",
        "from": "Referral",
    }


def test_smsru_leaves_the_sender_to_the_account_default_when_smsru_from_is_empty(sms_providers, httpserver):
    sms_providers.SMSRU_FROM = ""
    httpserver.expect_request("/sms/send", method="POST").respond_with_json(accepted())

    SmsRuSmsBackend().send(phone=PHONE, text="code 0421")

    request, _ = httpserver.log[0]
    assert "from" not in request.form


@pytest.mark.parametrize(
    ("answer", "code", "text"),
    [
        # The request as a whole is refused: a wrong api_id, the service down for a moment.
        ({"status": "ERROR", "status_code": 200, "status_text": "Неправильный api_id"}, "200", "Неправильный api_id"),
        (
            {"status": "ERROR", "status_code": 220, "status_text": "Сервис временно недоступен"},
            "220",
            "Сервис временно недоступен",
        ),
        # The request is fine but this number is refused: no route to it, not enough money for it.
        (
            {
                "status": "OK",
                "status_code": 100,
                "sms": {
                    "79161234567": {
                        "status": "ERROR",
                        "status_code": 207,
                        "status_text": "На этот номер нет маршрута для доставки сообщений",
                    }
                },
                "balance": 0,
            },
            "207",
            "нет маршрута",
        ),
        (
            {
                "status": "OK",
                "status_code": 100,
                "sms": {
                    "79161234567": {
                        "status": "ERROR",
                        "status_code": 201,
                        "status_text": "Не хватает средств на лицевом счету",
                    }
                },
                "balance": 0,
            },
            "201",
            "Не хватает средств",
        ),
    ],
    ids=["wrong-api-id", "service-unavailable", "no-route-to-number", "no-money"],
)
def test_smsru_raises_the_documented_error_code_and_text(sms_providers, httpserver, answer, code, text):
    httpserver.expect_request("/sms/send", method="POST").respond_with_json(answer)

    with pytest.raises(SmsSendError) as caught:
        SmsRuSmsBackend().send(phone=PHONE, text="code 0421")

    assert caught.value.code == code
    assert text in caught.value.message


def test_smsru_refuses_an_answer_that_is_not_json(sms_providers, httpserver):
    httpserver.expect_request("/sms/send", method="POST").respond_with_data("<html>502</html>", status=502)

    with pytest.raises(SmsSendError) as caught:
        SmsRuSmsBackend().send(phone=PHONE, text="code 0421")

    assert caught.value.code == "502"


def test_smsru_gives_up_when_the_answer_takes_longer_than_sms_send_timeout(sms_providers, slow_server):
    sms_providers.SMSRU_API_URL = slow_server.url_for("/")

    def slow(_request):
        time.sleep(1.5)
        return Response("{}", content_type="application/json")

    slow_server.expect_request("/sms/send", method="POST").respond_with_handler(slow)

    started = time.monotonic()
    with pytest.raises(SmsSendError, match="no answer within 0.5 s"):
        SmsRuSmsBackend().send(phone=PHONE, text="code 0421")
    assert time.monotonic() - started < 1.2


def test_smsru_reports_a_refused_connection(sms_providers, refused_url):
    sms_providers.SMSRU_API_URL = refused_url

    with pytest.raises(SmsSendError, match="could not reach the provider: ConnectError"):
        SmsRuSmsBackend().send(phone=PHONE, text="code 0421")


def test_smsru_without_an_api_id_is_not_configured(sms_providers, httpserver):
    sms_providers.SMSRU_API_ID = ""

    with pytest.raises(SmsSendError) as caught:
        SmsRuSmsBackend().send(phone=PHONE, text="code 0421")

    assert caught.value.code == "not_configured"
    assert httpserver.log == []
