"""Domain exceptions and the one place that maps them (and DRF's own) to HTTP responses.

Services raise `DomainError` subclasses; views never build error responses themselves.
Every error body carries a stable machine `code` (an ErrorCode; clients key on it, never on the wording) next to
DRF's shapes, its messages in the request's language (LocaleMiddleware picks it from Accept-Language):
`{"detail": "message", "code": "..."}`, or for field errors
`{"field": ["message"], "code": "<the first field error's code>", "codes": {"field": ["<code>"]}}`.
A 429 also says when the limit lifts (`retry_after` seconds, also the Retry-After header).
"""

import logging
import math

from django.core.exceptions import RequestDataTooBig
from django.core.validators import ProhibitNullCharactersValidator
from django.db import InterfaceError, OperationalError, models
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions as drf_exceptions
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework_simplejwt import exceptions as jwt_exceptions

logger = logging.getLogger(__name__)

DATABASE_RETRY_AFTER_SECONDS = 5


def _view_name(context) -> str:
    return context.get("view").__class__.__name__


class RateLimitCode(models.TextChoices):
    """Which limit a 429 hit (a subset of ErrorCode), with when it applies. Stable: clients show their own
    message for each."""

    IP_RATE_LIMIT = (
        "ip_rate_limit",
        "Too many requests from this client address (THROTTLE_LOGIN, THROTTLE_VERIFY, THROTTLE_INVITE_OPEN)",
    )
    NETWORK_RATE_LIMIT = (
        "network_rate_limit",
        "Too many requests from this client's network, an IPv4 /24 or IPv6 /64 "
        "(THROTTLE_LOGIN_NETWORK, THROTTLE_VERIFY_NETWORK, THROTTLE_INVITE_OPEN_NETWORK)",
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


_jwt_auth_messages = {
    # simplejwt's own strings, named here so that our catalog translates them (its Russian is ru_RU only and
    # partial).
    "user_not_found": _("User not found"),
    "user_inactive": _("User is inactive"),
    "bad_authorization_header": _("Authorization header must contain two space-delimited values"),
    "token_blacklisted": _("Token is blacklisted"),
    "token_invalid": _("Token is invalid"),
    "token_expired": _("Token is expired"),
    "token_wrong_type": _("Token has wrong type"),
    "token_invalid_or_expired": _("Token is invalid or expired"),
    "token_not_valid_for_any_type": _("Given token not valid for any token type"),
}


class ErrorCode(models.TextChoices):
    """Every `code` an error body can carry, with the message sent for it (in the request's language).

    Stable: clients key on the code, never on the message. Field errors carry theirs in `codes`.
    """

    # Field errors (DRF's own codes and messages, and ours).
    REQUIRED = "required", serializers.Field.default_error_messages["required"]
    NULL = "null", serializers.Field.default_error_messages["null"]
    BLANK = "blank", serializers.CharField.default_error_messages["blank"]
    MAX_LENGTH = "max_length", serializers.CharField.default_error_messages["max_length"]
    # DRF's msgid, in our catalog: DRF's Russian lacks it (DRF's own gettext finds ours by the same msgid).
    INVALID = "invalid", _("Not a valid string.")
    NULL_CHARACTERS_NOT_ALLOWED = "null_characters_not_allowed", ProhibitNullCharactersValidator.message
    SURROGATE_CHARACTERS_NOT_ALLOWED = (
        "surrogate_characters_not_allowed",
        _("Surrogate characters are not allowed: U+{code_point:X}."),  # as INVALID
    )
    NOT_A_STRING = "not_a_string", _("Send this value as a JSON string.")
    PHONE_INVALID = "phone_invalid", _("Enter a valid mobile phone number, e.g. +7 916 123-45-67.")
    PHONE_NOT_MOBILE = "phone_not_mobile", _("This number can't receive SMS. Enter a mobile phone number.")
    PHONE_REGION_NOT_ALLOWED = "phone_region_not_allowed", _("SMS sign-in isn't available for this country.")
    CODE_FORMAT = "code_format", _("Enter the code from the SMS: 4 digits, or {long} if the SMS has {long}.")
    INVITE_CODE_NOT_FOUND = "invite_code_not_found", _("Invite code not found.")
    INVITE_CODE_OWN = "invite_code_own", _("You can't activate your own invite code.")
    INVITE_CODE_CYCLE = "invite_code_cycle", _("This code belongs to someone who joined through your invitation.")
    VISITOR_INVALID = "visitor_invalid", _("Send this browser's id: a UUID, e.g. 3f2b8c1e-9a4d-4e7f-8b6a-2c1d0e9f7a5b.")
    # Refused requests.
    CODE_INVALID = "code_invalid", _("Invalid or expired code.")
    CODE_REPLACED = "code_replaced", _("A newer code was sent to this phone. Ask for a new code.")
    INVITE_CODE_ALREADY_ACTIVATED = "invite_code_already_activated", _("You have already activated an invite code.")
    # 429: which limit (RateLimitCode says when each applies).
    IP_RATE_LIMIT = RateLimitCode.IP_RATE_LIMIT.value, _("Too many requests from this address. Try again later.")
    NETWORK_RATE_LIMIT = (
        RateLimitCode.NETWORK_RATE_LIMIT.value,
        _("Too many requests from your network. Try again later."),
    )
    RESEND_COOLDOWN = (
        RateLimitCode.RESEND_COOLDOWN.value,
        _("A code was sent recently. Wait before asking for a new one."),
    )
    DAILY_CODE_LIMIT = (
        RateLimitCode.DAILY_CODE_LIMIT.value,
        _("Too many codes were sent to this phone today. Try again later."),
    )
    PREFIX_RATE_LIMIT = (
        RateLimitCode.PREFIX_RATE_LIMIT.value,
        _("Too many codes were sent to numbers like this one. Try again later."),
    )
    PREFIX_BLOCKED = (
        RateLimitCode.PREFIX_BLOCKED.value,
        _("SMS sign-in is paused for numbers like this one. Try again later."),
    )
    WRONG_CODE_LIMIT = RateLimitCode.WRONG_CODE_LIMIT.value, _("Too many wrong codes for this phone. Try again later.")
    INVITE_ATTEMPT_LIMIT = (
        RateLimitCode.INVITE_ATTEMPT_LIMIT.value,
        _("Too many failed invite code attempts. Try again later."),
    )
    # 428 and 503.
    PROOF_OF_WORK_REQUIRED = (
        "proof_of_work_required",
        _("Solve the proof-of-work challenge and send the request again."),
    )
    SMS_UNAVAILABLE = "sms_unavailable", _("The code could not be sent by SMS right now. Try again shortly.")
    SMS_BUDGET_EXHAUSTED = (
        "sms_budget_exhausted",
        _("Too many sign-in codes are being sent right now. Try again later."),
    )
    SERVICE_UNAVAILABLE = "service_unavailable", _("Service temporarily unavailable. Try again shortly.")
    # Authentication (DRF's and simplejwt's codes and messages).
    NOT_AUTHENTICATED = "not_authenticated", drf_exceptions.NotAuthenticated.default_detail
    AUTHENTICATION_FAILED = "authentication_failed", drf_exceptions.AuthenticationFailed.default_detail
    TOKEN_NOT_VALID = "token_not_valid", jwt_exceptions.InvalidToken.default_detail
    NO_ACTIVE_ACCOUNT = "no_active_account", _("No active account found for the given token.")
    USER_NOT_FOUND = "user_not_found", _jwt_auth_messages["user_not_found"]
    USER_INACTIVE = "user_inactive", _jwt_auth_messages["user_inactive"]
    BAD_AUTHORIZATION_HEADER = "bad_authorization_header", _jwt_auth_messages["bad_authorization_header"]
    PERMISSION_DENIED = "permission_denied", drf_exceptions.PermissionDenied.default_detail
    # The request itself.
    PARSE_ERROR = "parse_error", drf_exceptions.ParseError.default_detail
    NOT_FOUND = "not_found", drf_exceptions.NotFound.default_detail
    METHOD_NOT_ALLOWED = "method_not_allowed", drf_exceptions.MethodNotAllowed.default_detail
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type", drf_exceptions.UnsupportedMediaType.default_detail
    NOT_ACCEPTABLE = "not_acceptable", drf_exceptions.NotAcceptable.default_detail
    BAD_REQUEST = "bad_request", _("Bad request.")
    BAD_HOST = "bad_host", _("This server does not answer to that host name.")
    REQUEST_TOO_LARGE = "request_too_large", _("Request body is too large.")
    SERVER_ERROR = "server_error", _("Internal server error.")


class DomainError(Exception):
    """A refused request: `code` (an ErrorCode) names it, and its label is the message unless one is given.

    `field` set → a field error (`{field: [message], "code": code, "codes": {field: [code]}}`), otherwise
    `{"detail": message, "code": code}`.
    """

    status_code = status.HTTP_400_BAD_REQUEST
    code: ErrorCode  # set by every subclass
    field: str | None = None

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.code.label
        super().__init__(str(self.message))

    def body(self) -> dict:
        if self.field:
            return {self.field: [str(self.message)], "code": self.code.value, "codes": {self.field: [self.code.value]}}
        return {"detail": str(self.message), "code": self.code.value}


class Conflict(DomainError):
    status_code = status.HTTP_409_CONFLICT


class RateLimited(DomainError):
    """Too many attempts; the client may try again after `retry_after` seconds."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS

    def __init__(self, retry_after: float, message: str | None = None) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(message)

    def body(self) -> dict:
        return {**super().body(), "retry_after": self.retry_after}


class AddressRateLimited(RateLimited):
    code = ErrorCode.IP_RATE_LIMIT


class NetworkRateLimited(RateLimited):
    code = ErrorCode.NETWORK_RATE_LIMIT


class Unavailable(DomainError):
    """An outside service the request needs is down (every SMS provider, say); retry after `retry_after` s."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    code = ErrorCode.SERVICE_UNAVAILABLE  # subclasses name their service

    def __init__(self, retry_after: float, message: str | None = None) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(message)

    def body(self) -> dict:
        return {**super().body(), "retry_after": self.retry_after}


class ProofOfWorkRequired(DomainError):
    """A request that looks risky must first prove work: solve `challenge` (an ALTCHA challenge) and resend.

    428 Precondition Required: the request is fine, the precondition (the solved challenge) is missing, spent,
    expired or forged. The body carries a fresh challenge, so one rule covers every case: solve it and resend.
    """

    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    code = ErrorCode.PROOF_OF_WORK_REQUIRED

    def __init__(self, challenge: dict, message: str | None = None) -> None:
        self.challenge = challenge
        super().__init__(message)

    def body(self) -> dict:
        return {**super().body(), "altcha": self.challenge}


def error_body(code: ErrorCode) -> dict:
    """The body of an error answered with `code`'s own message, in the active language (also outside DRF: Django's
    404/500 views, middleware)."""
    return {"detail": str(code.label), "code": code.value}


def _error(code: ErrorCode, http_status: int, *, retry_after: int | None = None) -> Response:
    response = Response(error_body(code), status=http_status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _first_code(codes) -> str:
    """The first code in DRF's `get_codes()` structure (a code, or lists and dicts of them)."""
    while not isinstance(codes, str):
        codes = next(iter(codes.values())) if isinstance(codes, dict) else codes[0]
    return codes


def _with_codes(exc: drf_exceptions.APIException, data):
    """DRF's body with our `code` (and for field errors `codes`) added; the shapes old clients read stay."""
    codes = exc.get_codes()
    if isinstance(data, dict) and "detail" in data:
        return {**data, "code": data.get("code") or (codes if isinstance(codes, str) else _first_code(codes))}
    if isinstance(data, dict):
        return {**data, "code": _first_code(codes), "codes": codes}
    # A bare list or string (a ValidationError raised outside a serializer): one message, as a detail.
    return {"detail": data[0] if isinstance(data, list) else data, "code": _first_code(codes)}


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
        return _error(
            ErrorCode.SERVICE_UNAVAILABLE,
            status.HTTP_503_SERVICE_UNAVAILABLE,
            retry_after=DATABASE_RETRY_AFTER_SECONDS,
        )

    if isinstance(exc, RequestDataTooBig):
        return _error(ErrorCode.REQUEST_TOO_LARGE, status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)

    if isinstance(exc, drf_exceptions.Throttled):
        retry_after = max(1, math.ceil(exc.wait or 1))
        response = _error(ErrorCode.IP_RATE_LIMIT, status.HTTP_429_TOO_MANY_REQUESTS, retry_after=retry_after)
        response.data["retry_after"] = retry_after
        return response

    response = drf_exception_handler(exc, context)
    if response is None:
        # A bug, not bad input: log it with its traceback and answer JSON (never Django's HTML page).
        logger.exception("Unhandled error in %s", _view_name(context), exc_info=exc)
        return _error(ErrorCode.SERVER_ERROR, status.HTTP_500_INTERNAL_SERVER_ERROR)
    response.data = _with_codes(exc, response.data)
    return response
