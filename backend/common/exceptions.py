"""Domain exceptions and the one place that maps them (and DRF's own) to HTTP responses.

Services raise `DomainError` subclasses; views never build error responses themselves.
Every error body has DRF's shapes: `{"field": ["message"]}` or `{"detail": "message", ...}`.
A 429 also says which limit was hit, as a stable machine `code` (clients key on it, never on the wording),
and when it lifts (`retry_after` seconds, also the Retry-After header).
"""

import logging
import math

from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError, models
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)

DATABASE_RETRY_AFTER_SECONDS = 5


def _view_name(context) -> str:
    return context.get("view").__class__.__name__


class RateLimitCode(models.TextChoices):
    """Which limit a 429 hit. Stable: clients show their own message for each."""

    IP_RATE_LIMIT = "ip_rate_limit", "Too many requests from this client address (THROTTLE_LOGIN, THROTTLE_VERIFY)"
    NETWORK_RATE_LIMIT = (
        "network_rate_limit",
        "Too many requests from this client's network, an IPv4 /24 or IPv6 /64 "
        "(THROTTLE_LOGIN_NETWORK, THROTTLE_VERIFY_NETWORK)",
    )
    RESEND_COOLDOWN = "resend_cooldown", "A code was sent to this phone less than OTP_RESEND_SECONDS ago"
    DAILY_CODE_LIMIT = "daily_code_limit", "This phone received OTP_MAX_SENDS_PER_DAY codes in the last 24 h"
    PREFIX_RATE_LIMIT = (
        "prefix_rate_limit",
        "OTP_MAX_SENDS_PER_PREFIX_PER_HOUR codes this hour to numbers that differ only in their last 4 digits",
    )
    PREFIX_BLOCKED = (
        "prefix_blocked",
        "SMS to this number's prefix or country is paused: too few of its codes were used (OTP_MIN_CONVERSION) "
        "until an operator lifts the block",
    )
    WRONG_CODE_LIMIT = "wrong_code_limit", "OTP_MAX_FAILURES_PER_DAY wrong codes for this phone in 24 h (no challenge)"
    INVITE_ATTEMPT_LIMIT = "invite_attempt_limit", "INVITE_MAX_FAILURES_PER_HOUR refused invite codes in the last hour"


class DomainError(Exception):
    """A refused request. `field` set → `{field: [message]}`, otherwise `{"detail": message}`."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_message = "The request was refused."
    field: str | None = None

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)

    def body(self) -> dict:
        if self.field:
            return {self.field: [self.message]}
        return {"detail": self.message}


class Conflict(DomainError):
    status_code = status.HTTP_409_CONFLICT


class RateLimited(DomainError):
    """Too many attempts; the client may try again after `retry_after` seconds."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_message = "Too many attempts. Try again later."
    code: RateLimitCode  # set by every subclass

    def __init__(self, retry_after: float, message: str | None = None) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(message)

    def body(self) -> dict:
        return {"detail": self.message, "code": self.code.value, "retry_after": self.retry_after}


class Unavailable(DomainError):
    """An outside service the request needs is down (every SMS provider, say); retry after `retry_after` s."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_message = "Service temporarily unavailable. Try again shortly."
    code = "service_unavailable"  # subclasses name their service: stable, for clients to key on

    def __init__(self, retry_after: float, message: str | None = None) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(message)

    def body(self) -> dict:
        return {"detail": self.message, "code": self.code, "retry_after": self.retry_after}


class ProofOfWorkRequired(DomainError):
    """A request that looks risky must first prove work: solve `challenge` (an ALTCHA challenge) and resend.

    428 Precondition Required: the request is fine, the precondition (the solved challenge) is missing, spent,
    expired or forged. The body carries a fresh challenge, so one rule covers every case: solve it and resend.
    """

    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_message = "Solve the proof-of-work challenge and send the request again."
    code = "proof_of_work_required"

    def __init__(self, challenge: dict, message: str | None = None) -> None:
        self.challenge = challenge
        super().__init__(message)

    def body(self) -> dict:
        return {"detail": self.message, "code": self.code, "altcha": self.challenge}


def api_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        response = Response(exc.body(), status=exc.status_code)
        if isinstance(exc, RateLimited | Unavailable):
            response["Retry-After"] = str(exc.retry_after)
        return response

    if isinstance(exc, OperationalError | InterfaceError):
        # The database is unreachable (restarting, failing over): a temporary state, not a bug.
        first_line = (str(exc).strip().splitlines() or ["?"])[0]
        logger.warning("Database unavailable in %s: %s", _view_name(context), first_line)
        response = Response(
            {"detail": "Service temporarily unavailable. Try again shortly."},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        return response

    if isinstance(exc, RequestDataTooBig):
        return Response({"detail": "Request body is too large."}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)

    response = drf_exception_handler(exc, context)
    if response is None:
        # A bug, not bad input: log it with its traceback and answer JSON (never Django's HTML page).
        logger.exception("Unhandled error in %s", _view_name(context), exc_info=exc)
        return Response({"detail": "Internal server error."}, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    if response is not None and isinstance(exc, drf_exceptions.Throttled):
        retry_after = max(1, math.ceil(exc.wait or 1))
        response.data = {
            "detail": "Too many requests from this address. Try again later.",
            "code": RateLimitCode.IP_RATE_LIMIT.value,
            "retry_after": retry_after,
        }
        response["Retry-After"] = str(retry_after)
    return response
