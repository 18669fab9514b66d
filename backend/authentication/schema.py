"""The OpenAPI documentation of the sign-in and token endpoints, kept apart from the views it describes.

Limits in the descriptions are read from settings, so the schema a server serves states its own (the committed
backend/openapi.yaml is made with the defaults, by `make schema`).
"""

from django.conf import settings
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema

from authentication.serializers import (
    LoginInputSerializer,
    LoginOutputSerializer,
    RefreshInputSerializer,
    RefreshTokenErrorSerializer,
    TokenPairOutputSerializer,
    VerifyInputSerializer,
    VerifyOutputSerializer,
)
from common.exceptions import ErrorCode, RateLimitCode
from common.schema import (
    UnavailableErrorSerializer,
    error_example,
    error_response,
    field_error_example,
    proof_of_work_response,
    rate_limit_response,
)

_LOGIN_EXAMPLE = {
    "phone": "+79161234567",
    "expires_in": 300,
    "resend_in": 60,
    "challenge": "q3JYkq1v6l0u8bV2o3mN9x7rT1sW4yZc",
    "code_length": 4,
}

ERROR_401_REFRESH = OpenApiResponse(
    response=RefreshTokenErrorSerializer,
    description="The refresh token can't be used; `detail` says why, `code` is always `token_not_valid`.",
    examples=[
        OpenApiExample(name, value={"detail": detail, "code": ErrorCode.TOKEN_NOT_VALID.value})
        for name, detail in [
            ("Used or revoked", "Token is blacklisted"),
            ("Expired", "Token is expired"),
            ("Malformed or forged", "Token is invalid"),
            ("An access token", "Token has wrong type"),
        ]
    ],
)

_REFRESH_MISSING = error_response(
    "The refresh field is missing.", field_error_example("refresh", ErrorCode.REQUIRED), field="refresh"
)


def _login_description() -> str:
    return (
        "Sends a new code to the phone (the simulated SMS gateway takes 1–2 s) and replaces any earlier "
        "code. The answer is the same for known and new phones. The code has 4 digits, or `code_length` "
        f"(OTP_HARDENED_CODE_LENGTH, {settings.OTP_HARDENED_CODE_LENGTH}) when the phone had a wrong entry in the "
        "last 24 h; wrong entries never refuse a new code. Bring `challenge` back to /api/verify/ with the code. "
        "Limits per phone: one code every `resend_in` seconds and OTP_MAX_SENDS_PER_DAY "
        f"({settings.OTP_MAX_SENDS_PER_DAY}) a day, OTP_MAX_SENDS_PER_PREFIX_PER_HOUR "
        f"({settings.OTP_MAX_SENDS_PER_PREFIX_PER_HOUR}) to numbers that differ only in their last 4 digits; per "
        f"client IP: THROTTLE_LOGIN ({settings.THROTTLE_LOGIN}), per network (/24, /64): THROTTLE_LOGIN_NETWORK "
        f"({settings.THROTTLE_LOGIN_NETWORK}). `code` is present only when the server runs with OTP_ECHO=true."
    )


login_schema = extend_schema(
    tags=["Sign-in"],
    operation_id="login",
    summary="Send a sign-in code by SMS",
    description=_login_description(),
    request=LoginInputSerializer,
    responses={
        200: LoginOutputSerializer,
        400: error_response(
            "Malformed phone: each case has its own code and message (not a phone number, not a mobile number, "
            "a country codes aren't sent to, not a string, missing).",
            field_error_example("phone", ErrorCode.PHONE_INVALID),
            field="phone",
            more={
                "Not a mobile number": field_error_example("phone", ErrorCode.PHONE_NOT_MOBILE),
                "A country codes aren't sent to": field_error_example("phone", ErrorCode.PHONE_REGION_NOT_ALLOWED),
                "Not a string": field_error_example("phone", ErrorCode.NOT_A_STRING),
                "Missing": field_error_example("phone", ErrorCode.REQUIRED),
            },
        ),
        428: proof_of_work_response(
            "The request looks risky (its address or network used ALTCHA_RISK_SHARE "
            f"({settings.ALTCHA_RISK_SHARE:.0%}) of its hourly cap, or ALTCHA_PREFIX_BURST "
            f"({settings.ALTCHA_PREFIX_BURST}) codes went to numbers like this one this hour, or a block of their "
            f"prefix was lifted in the last ALTCHA_AFTER_LIFT_HOURS ({settings.ALTCHA_AFTER_LIFT_HOURS})) and "
            "carries no valid solution: no code is sent. Solve `altcha` (an ALTCHA challenge, e.g. with the "
            "`altcha` npm package's solveChallenge) and send the same request again with the encoded solution in "
            "`altcha`. A solution works once and for 5 minutes; a spent, expired or forged one gets a new 428."
        ),
        429: rate_limit_response(
            RateLimitCode.RESEND_COOLDOWN,
            RateLimitCode.DAILY_CODE_LIMIT,
            RateLimitCode.PREFIX_RATE_LIMIT,
            RateLimitCode.PREFIX_BLOCKED,
            RateLimitCode.IP_RATE_LIMIT,
            RateLimitCode.NETWORK_RATE_LIMIT,
        ),
        503: OpenApiResponse(
            response=UnavailableErrorSerializer,
            description="No SMS provider of the route took the message (`sms_unavailable`), or SMS_BUDGET_PER_HOUR "
            f"({settings.SMS_BUDGET_PER_HOUR}) SMS already left this hour, all numbers together "
            "(`sms_budget_exhausted`). No code is made and nothing counts toward the phone's limits: ask again "
            "after `retry_after` seconds (also the Retry-After header).",
            examples=[
                OpenApiExample(
                    "Every provider failed", value={**error_example(ErrorCode.SMS_UNAVAILABLE), "retry_after": 30}
                ),
                OpenApiExample(
                    "SMS budget of the hour spent",
                    value={**error_example(ErrorCode.SMS_BUDGET_EXHAUSTED), "retry_after": 1740},
                ),
            ],
        ),
    },
    examples=[
        OpenApiExample("Phone", value={"phone": "+7 916 123-45-67"}, request_only=True),
        OpenApiExample("Code sent", value=_LOGIN_EXAMPLE, response_only=True, status_codes=["200"]),
        OpenApiExample(
            "Code sent (demo mode, OTP_ECHO=true)",
            value={**_LOGIN_EXAMPLE, "code": "0421"},
            response_only=True,
            status_codes=["200"],
        ),
    ],
)

verify_schema = extend_schema(
    tags=["Sign-in"],
    operation_id="verify",
    summary="Exchange the SMS code for tokens",
    description=(
        "Checks the code sent to the phone. The first successful sign-in of a phone creates the user and "
        "gives it an invite code (`is_new: true`). A code works once, for `expires_in` seconds. With the login's "
        f"`challenge`, it takes OTP_MAX_ATTEMPTS ({settings.OTP_MAX_ATTEMPTS}) entries that only the challenge's "
        "holder can use, and no limit of the phone applies; a challenge that isn't the live code's (a newer code "
        f"was sent) is refused without a check. Without `challenge`, OTP_MAX_ATTEMPTS ({settings.OTP_MAX_ATTEMPTS}) "
        f"open entries, and none after OTP_MAX_FAILURES_PER_DAY ({settings.OTP_MAX_FAILURES_PER_DAY}) wrong codes "
        "for the phone in 24 h (429 `wrong_code_limit`). Every failure answers the same 400 `code_invalid`. "
        f"Per client IP: THROTTLE_VERIFY ({settings.THROTTLE_VERIFY}), per network: THROTTLE_VERIFY_NETWORK "
        f"({settings.THROTTLE_VERIFY_NETWORK}). `invite_code` (optional) is the code of the share link the person "
        "came through: on the phone's first sign-in it records whose link it was (GET /api/profile/stats/ counts "
        "it, the `user.signed_up` event carries it as `invited_by_code`); it activates nothing, and an unknown or "
        "malformed one is ignored rather than refused, so a stale link never blocks a sign-in."
    ),
    request=VerifyInputSerializer,
    responses={
        200: VerifyOutputSerializer,
        400: error_response(
            "Wrong, expired, used or missing code (one message for every case, `code_invalid`), a challenge whose "
            "code a newer one replaced (`code_replaced`), or malformed input.",
            error_example(ErrorCode.CODE_INVALID),
            field=("phone", "token", "challenge"),
            more={
                "A newer code was sent": error_example(ErrorCode.CODE_REPLACED),
                "Malformed input": field_error_example(
                    "token", ErrorCode.CODE_FORMAT, long=settings.OTP_HARDENED_CODE_LENGTH
                ),
                "Missing field": field_error_example("token", ErrorCode.REQUIRED),
            },
        ),
        429: rate_limit_response(
            RateLimitCode.WRONG_CODE_LIMIT, RateLimitCode.IP_RATE_LIMIT, RateLimitCode.NETWORK_RATE_LIMIT
        ),
    },
    examples=[
        OpenApiExample(
            "Phone, code and challenge",
            value={"phone": "+79161234567", "token": "0421", "challenge": _LOGIN_EXAMPLE["challenge"]},
            request_only=True,
        ),
        OpenApiExample("Phone and code", value={"phone": "+79161234567", "token": "0421"}, request_only=True),
        OpenApiExample(
            "Through a share link",
            value={
                "phone": "+79161234567",
                "token": "0421",
                "challenge": _LOGIN_EXAMPLE["challenge"],
                "invite_code": "AB12CD",
            },
            request_only=True,
        ),
        OpenApiExample(
            "Signed in",
            value={"access": "eyJhbGciOi...", "refresh": "eyJhbGciOi...", "is_new": True},
            response_only=True,
            status_codes=["200"],
        ),
    ],
)

token_refresh_schema = extend_schema(
    tags=["Tokens"],
    operation_id="token_refresh",
    summary="Get a new access token",
    description=(
        "Returns a new access token and a new refresh token; the refresh token sent can't be used again. "
        "Sending a refresh token that was already used signs the whole session out (it may be a stolen "
        "copy): the newest refresh token and the session's access tokens stop working too."
    ),
    request=RefreshInputSerializer,
    responses={200: TokenPairOutputSerializer, 400: _REFRESH_MISSING, 401: ERROR_401_REFRESH},
    examples=[
        OpenApiExample("Refresh", value={"refresh": "eyJhbGciOi..."}, request_only=True),
        OpenApiExample(
            "New pair",
            value={"access": "eyJhbGciOi...", "refresh": "eyJhbGciOi..."},
            response_only=True,
            status_codes=["200"],
        ),
    ],
)

logout_schema = extend_schema(
    tags=["Tokens"],
    operation_id="logout",
    summary="Sign out",
    description=(
        "Ends the session the refresh token belongs to: none of its refresh tokens can be used again, "
        "and its access tokens stop working at once (401)."
    ),
    request=RefreshInputSerializer,
    responses={204: None, 400: _REFRESH_MISSING, 401: ERROR_401_REFRESH},
    examples=[OpenApiExample("Refresh", value={"refresh": "eyJhbGciOi..."}, request_only=True)],
)
