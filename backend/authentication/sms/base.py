"""Pluggable SMS backends, like Django's email backends: one class per provider, chosen by settings.

`SMS_ROUTE` (see route.py) names the backends to try in order; `SMS_BACKEND` (a dotted path) is the
route when `SMS_ROUTE` is unset. A backend's `send()` blocks until the provider has accepted the message
and returns the provider's message id; it raises `SmsSendError` when the provider refused or could not
be reached, so the route can try the next one.
"""

import random
import time

import httpx
from django.conf import settings


class SmsSendError(Exception):
    """One provider did not take the message. `code` is the provider's own error code, when it gave one."""

    def __init__(self, message: str, *, code: str | int | None = None) -> None:
        self.message = message
        self.code = None if code is None else str(code)
        super().__init__(f"{message} (code {self.code})" if self.code else message)


class BaseSmsBackend:
    # The name the route and its result use for this backend (SMS_ROUTE spells it the same way).
    name = "base"

    def send(self, *, phone: str, text: str) -> str | None:
        """Send `text` to `phone` (E.164); return the provider's message id. Raises SmsSendError."""
        raise NotImplementedError


class SimulatedGatewaySmsBackend(BaseSmsBackend):
    """Waits OTP_SEND_DELAY (a random 1–2 s by default) like a real gateway round trip, then delivers.

    The wait is `time.sleep`, which gunicorn's gevent worker patches into a cooperative sleep:
    the waiting request yields its greenlet and the worker keeps serving everything else.
    """

    def send(self, *, phone: str, text: str) -> str | None:
        low, high = settings.OTP_SEND_DELAY
        if high > 0:
            time.sleep(random.uniform(low, high))
        self.deliver(phone=phone, text=text)
        return None

    def deliver(self, *, phone: str, text: str) -> None:
        raise NotImplementedError


class HttpSmsBackend(BaseSmsBackend):
    """A provider spoken to over HTTPS with httpx's blocking client.

    Blocking is what we want: under gunicorn's gevent worker the socket is monkey-patched, so a request
    waiting for the provider yields its greenlet like any other I/O. Every phase of the exchange (connect,
    send, wait for the answer) is bounded by SMS_SEND_TIMEOUT; a timeout or a refused connection becomes
    an SmsSendError, never a hang or a 500.
    """

    def post(self, url: str, **kwargs) -> httpx.Response:
        timeout = httpx.Timeout(settings.SMS_SEND_TIMEOUT)
        try:
            with httpx.Client(timeout=timeout) as client:
                return client.post(url, **kwargs)
        except httpx.TimeoutException as exc:
            raise SmsSendError(f"no answer within {settings.SMS_SEND_TIMEOUT:g} s ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise SmsSendError(f"could not reach the provider: {type(exc).__name__}: {exc}") from exc

    @staticmethod
    def json_or_error(response: httpx.Response) -> dict:
        try:
            body = response.json()
        except ValueError:
            raise SmsSendError(f"HTTP {response.status_code}, not JSON: {response.text[:200]!r}") from None
        if not isinstance(body, dict):
            raise SmsSendError(f"HTTP {response.status_code}, unexpected JSON: {str(body)[:200]}")
        return body
