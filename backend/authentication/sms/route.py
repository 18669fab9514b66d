"""The SMS route: the providers of SMS_ROUTE tried in order until one takes the message.

A provider that refuses, can't be reached or doesn't answer within SMS_SEND_TIMEOUT is skipped for the
next one; its error is kept in the result. When every provider failed, `sms_send` raises SmsUnavailable
(HTTP 503 with Retry-After) carrying all the errors. Either way the caller learns who sent it, under
which id and how long each attempt took, enough to record every send as a row.

A timeout is ambiguous: the provider may still deliver. Falling back then can mean two SMS with the
same code, which is the lesser harm than none.
"""

import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.module_loading import import_string

from authentication.exceptions import SmsUnavailable
from authentication.sms.base import BaseSmsBackend, SmsSendError

logger = logging.getLogger(__name__)

# The names SMS_ROUTE accepts besides a dotted path to any BaseSmsBackend.
BACKENDS = {
    "console": "authentication.sms.console.ConsoleSmsBackend",
    "smsaero": "authentication.sms.smsaero.SmsAeroSmsBackend",
    "smsru": "authentication.sms.smsru.SmsRuSmsBackend",
    "twilio": "authentication.sms.twilio.TwilioSmsBackend",
}


@dataclass(frozen=True)
class SmsAttemptError:
    """One provider that was tried and skipped."""

    provider: str
    error: str  # what went wrong, in the provider's words where it gave any
    code: str | None  # the provider's error code (or HTTP status, or "not_configured"); None for network errors
    latency: float  # seconds spent on this provider


@dataclass(frozen=True)
class SmsSendResult:
    """The provider that took the message, and the ones skipped before it (in route order)."""

    provider: str
    message_id: str | None  # the provider's id for the message; None for console/locmem
    latency: float  # seconds the successful provider took
    errors: tuple[SmsAttemptError, ...] = field(default=())


def sms_route() -> list[str]:
    """The backends to try, in order: SMS_ROUTE, or else the one SMS_BACKEND."""
    return list(settings.SMS_ROUTE) or [settings.SMS_BACKEND]


def sms_backend_load(name: str) -> BaseSmsBackend:
    """A backend by its route name (console, smsaero, smsru, twilio) or a dotted path."""
    return import_string(BACKENDS.get(name, name))()


def _provider_name(backend: BaseSmsBackend, route_name: str) -> str:
    return route_name if route_name in BACKENDS else getattr(backend, "name", route_name)


def sms_send(*, phone: str, text: str) -> SmsSendResult:
    """Send `text` to `phone` through the first provider of the route that takes it.

    Blocks for the provider round trips (cooperatively under gevent). Raises SmsUnavailable, with the
    error of every provider, when none took it.
    """
    errors: list[SmsAttemptError] = []
    for route_name in sms_route():
        started = time.monotonic()
        provider = route_name
        try:
            backend = sms_backend_load(route_name)
            provider = _provider_name(backend, route_name)
            message_id = backend.send(phone=phone, text=text)
        except SmsSendError as exc:
            error = SmsAttemptError(provider, exc.message, exc.code, time.monotonic() - started)
            logger.warning("SMS provider %s failed, trying the next: %s (code %s)", provider, exc.message, exc.code)
        except Exception as exc:
            # A bug or a surprise answer in one backend must not keep the others from trying.
            error = SmsAttemptError(provider, f"{type(exc).__name__}: {exc}", None, time.monotonic() - started)
            logger.exception("SMS provider %s crashed, trying the next", provider)
        else:
            return SmsSendResult(provider, message_id, time.monotonic() - started, tuple(errors))
        errors.append(error)
    logger.error("No SMS provider took the message: %s", "; ".join(f"{e.provider}: {e.error}" for e in errors))
    raise SmsUnavailable(errors=tuple(errors))
