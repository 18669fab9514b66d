import socket

import pytest
from pytest_httpserver import HTTPServer


@pytest.fixture(scope="session")
def httpserver_listen_address():
    # pytest-httpserver's provider stand-ins listen on the loopback address only, on a free port.
    return ("127.0.0.1", 0)


@pytest.fixture
def refused_url():
    """A base URL on 127.0.0.1 where nothing listens: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def sms_providers(settings, httpserver):
    """Every provider configured against the local server, with a short send timeout."""
    settings.SMS_SEND_TIMEOUT = 0.5
    settings.SMSRU_API_ID = "A3CA597E-3ACF-4E7D-82EE-CF82B52B1A8B"
    settings.SMSRU_FROM = "Referral"
    settings.SMSRU_API_URL = httpserver.url_for("/")
    settings.SMSAERO_EMAIL = "ops@example.com"
    settings.SMSAERO_API_KEY = "aero-api-key"
    settings.SMSAERO_SIGN = "Referral"
    settings.SMSAERO_API_URL = httpserver.url_for("/v2")
    settings.TWILIO_ACCOUNT_SID = "AC" + "0" * 32
    settings.TWILIO_AUTH_TOKEN = "twilio-auth-token"
    settings.TWILIO_FROM = "+15005550006"
    settings.TWILIO_API_URL = httpserver.url_for("/")
    return settings


@pytest.fixture
def slow_server():
    """A server of its own for answers slower than SMS_SEND_TIMEOUT, stopped (after its last, late
    answer) before the next test: a late answer must not land in another test's log."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    server.stop()
