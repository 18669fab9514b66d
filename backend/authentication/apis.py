from django.conf import settings
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from authentication.risk import login_proof_of_work_check
from authentication.serializers import (
    LoginInputSerializer,
    LoginOutputSerializer,
    RefreshInputSerializer,
    RefreshTokenErrorSerializer,
    TokenPairOutputSerializer,
    VerifyInputSerializer,
    VerifyOutputSerializer,
)
from authentication.services import otp_request, otp_verify, token_refresh, token_revoke, tokens_issue
from authentication.throttles import LoginIpThrottle, VerifyIpThrottle
from common.exceptions import RateLimitCode
from common.schema import UnavailableErrorSerializer, error_response, proof_of_work_response, rate_limit_response

ERROR_401_REFRESH = OpenApiResponse(
    response=RefreshTokenErrorSerializer,
    description="The refresh token can't be used; `detail` says why, `code` is always `token_not_valid`.",
    examples=[
        OpenApiExample(name, value={"detail": detail, "code": "token_not_valid"})
        for name, detail in [
            ("Used or revoked", "Token is blacklisted"),
            ("Expired", "Token is expired"),
            ("Malformed or forged", "Token is invalid"),
            ("An access token", "Token has wrong type"),
        ]
    ],
)


_LOGIN_EXAMPLE = {
    "phone": "+79161234567",
    "expires_in": 300,
    "resend_in": 60,
    "challenge": "q3JYkq1v6l0u8bV2o3mN9x7rT1sW4yZc",
    "code_length": 4,
}


def _language(request) -> str | None:
    """The first language of Accept-Language that has an SMS text (OTP_SMS_TEXT), if any."""
    for part in request.headers.get("Accept-Language", "").split(","):
        tag = part.split(";")[0].strip().lower().split("-")[0]
        if tag in settings.OTP_SMS_TEXT:
            return tag
    return None


class _PublicApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]


class _RefreshTokenApi(_PublicApi):
    def get_authenticate_header(self, request):
        # An unusable refresh token is a 401 (DRF turns 401 into 403 without this header).
        return 'Bearer realm="api"'


class LoginApi(_PublicApi):
    throttle_classes = [LoginIpThrottle]

    @extend_schema(
        tags=["Sign-in"],
        operation_id="login",
        summary="Send a sign-in code by SMS",
        description=(
            "Sends a new code to the phone (the simulated SMS gateway takes 1–2 s) and replaces any earlier "
            "code. The answer is the same for known and new phones. The code has 4 digits, or `code_length` "
            "(OTP_HARDENED_CODE_LENGTH, 8) when the phone had a wrong entry in the last 24 h; wrong entries never "
            "refuse a new code. Bring `challenge` back to /api/verify/ with the code. Limits per phone: one code "
            "every `resend_in` seconds and OTP_MAX_SENDS_PER_DAY (10) a day, OTP_MAX_SENDS_PER_PREFIX_PER_HOUR (20) "
            "to numbers that differ only in their last 4 digits; per client IP: THROTTLE_LOGIN (20 an hour), per "
            "network (/24, /64): THROTTLE_LOGIN_NETWORK (100 an hour). `code` is present only when the server runs "
            "with OTP_ECHO=true."
        ),
        request=LoginInputSerializer,
        responses={
            200: LoginOutputSerializer,
            400: error_response(
                "Malformed phone: each case has its own message (not a phone number, not a mobile number, "
                "not a string, missing).",
                {"phone": ["Enter a valid mobile phone number, e.g. +7 916 123-45-67."]},
                field="phone",
                more={
                    "Not a mobile number": {"phone": ["This number can't receive SMS. Enter a mobile phone number."]},
                    "A country codes aren't sent to": {"phone": ["SMS sign-in isn't available for this country."]},
                    "Not a string": {"phone": ["Send the phone number as a string."]},
                    "Missing": {"phone": ["This field is required."]},
                },
            ),
            428: proof_of_work_response(
                "The request looks risky (its address or network used ALTCHA_RISK_SHARE of its hourly cap, or "
                "ALTCHA_PREFIX_BURST codes went to numbers like this one this hour, or a block of their prefix was "
                "lifted in the last ALTCHA_AFTER_LIFT_HOURS) and carries no valid solution: no code is sent. "
                "Solve `altcha` (an ALTCHA challenge, e.g. with the `altcha` npm package's "
                "solveChallenge) and send the same request again with the encoded solution in `altcha`. A solution "
                "works once and for 5 minutes; a spent, expired or forged one gets a new 428."
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
                "SMS already left this hour, all numbers together (`sms_budget_exhausted`). No code is made and "
                "nothing counts toward the phone's limits: ask again after `retry_after` seconds (also the "
                "Retry-After header).",
                examples=[
                    OpenApiExample(
                        "Every provider failed",
                        value={
                            "detail": "The code could not be sent by SMS right now. Try again shortly.",
                            "code": "sms_unavailable",
                            "retry_after": 30,
                        },
                    ),
                    OpenApiExample(
                        "SMS budget of the hour spent",
                        value={
                            "detail": "Too many sign-in codes are being sent right now. Try again later.",
                            "code": "sms_budget_exhausted",
                            "retry_after": 1740,
                        },
                    ),
                ],
            ),
        },
        examples=[
            OpenApiExample("Phone", value={"phone": "+7 916 123-45-67"}, request_only=True),
            OpenApiExample(
                "Code sent",
                value={**_LOGIN_EXAMPLE},
                response_only=True,
                status_codes=["200"],
            ),
            OpenApiExample(
                "Code sent (demo mode, OTP_ECHO=true)",
                value={**_LOGIN_EXAMPLE, "code": "0421"},
                response_only=True,
                status_codes=["200"],
            ),
        ],
    )
    def post(self, request):
        serializer = LoginInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        phone = serializer.validated_data["phone"]
        proven = login_proof_of_work_check(
            request=request, phone=phone, solution=serializer.validated_data.get("altcha")
        )
        issued = otp_request(phone=phone, language=_language(request), proof_of_work=proven)
        body = {
            "phone": issued.phone,
            "expires_in": issued.expires_in,
            "resend_in": issued.resend_in,
            "challenge": issued.challenge,
            "code_length": issued.code_length,
        }
        if settings.OTP_ECHO:
            body["code"] = issued.code
        return Response(body)


class VerifyApi(_PublicApi):
    throttle_classes = [VerifyIpThrottle]

    @extend_schema(
        tags=["Sign-in"],
        operation_id="verify",
        summary="Exchange the SMS code for tokens",
        description=(
            "Checks the code sent to the phone. The first successful sign-in of a phone creates the user and "
            "gives it an invite code (`is_new: true`). A code works once, for `expires_in` seconds. With the login's "
            "`challenge`, it takes OTP_MAX_ATTEMPTS (5) entries that only the challenge's holder can use, and no "
            "limit of the phone applies; a challenge that isn't the live code's (a newer code was sent) is refused "
            "without a check. Without `challenge`, OTP_MAX_ATTEMPTS open entries, and none after "
            "OTP_MAX_FAILURES_PER_DAY (10) wrong codes for the phone in 24 h (429 `wrong_code_limit`). Every "
            "failure answers the same 400."
        ),
        request=VerifyInputSerializer,
        responses={
            200: VerifyOutputSerializer,
            400: error_response(
                "Wrong, expired, used or missing code (one message for every case), a challenge whose code a newer "
                "one replaced (with `code: code_replaced`), or malformed input.",
                {"detail": "Invalid or expired code."},
                field=("phone", "token", "challenge"),
                more={
                    "A newer code was sent": {
                        "detail": "A newer code was sent to this phone. Ask for a new code.",
                        "code": "code_replaced",
                    },
                    "Malformed input": {"token": ["Enter the code from the SMS: 4 digits, or 8 if the SMS has 8."]},
                    "Missing field": {"token": ["This field is required."]},
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
                "Signed in",
                value={"access": "eyJhbGciOi...", "refresh": "eyJhbGciOi...", "is_new": True},
                response_only=True,
                status_codes=["200"],
            ),
        ],
    )
    def post(self, request):
        serializer = VerifyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        sign_in = otp_verify(phone=data["phone"], code=data["token"], challenge=data.get("challenge"))
        tokens = tokens_issue(user=sign_in.user)
        return Response({"access": tokens.access, "refresh": tokens.refresh, "is_new": sign_in.is_new})


class TokenRefreshApi(_RefreshTokenApi):
    @extend_schema(
        tags=["Tokens"],
        operation_id="token_refresh",
        summary="Get a new access token",
        description=(
            "Returns a new access token and a new refresh token; the refresh token sent can't be used again. "
            "Sending a refresh token that was already used signs the whole session out (it may be a stolen "
            "copy): the newest refresh token and the session's access tokens stop working too."
        ),
        request=RefreshInputSerializer,
        responses={
            200: TokenPairOutputSerializer,
            400: error_response(
                "The refresh field is missing.", {"refresh": ["This field is required."]}, field="refresh"
            ),
            401: ERROR_401_REFRESH,
        },
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
    def post(self, request):
        serializer = RefreshInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            tokens = token_refresh(refresh=serializer.validated_data["refresh"])
        except TokenError as exc:
            raise InvalidToken(str(exc)) from exc
        return Response({"access": tokens.access, "refresh": tokens.refresh})


class LogoutApi(_RefreshTokenApi):
    @extend_schema(
        tags=["Tokens"],
        operation_id="logout",
        summary="Sign out",
        description=(
            "Ends the session the refresh token belongs to: none of its refresh tokens can be used again, "
            "and its access tokens stop working at once (401)."
        ),
        request=RefreshInputSerializer,
        responses={
            204: None,
            400: error_response(
                "The refresh field is missing.", {"refresh": ["This field is required."]}, field="refresh"
            ),
            401: ERROR_401_REFRESH,
        },
        examples=[OpenApiExample("Refresh", value={"refresh": "eyJhbGciOi..."}, request_only=True)],
    )
    def post(self, request):
        serializer = RefreshInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            token_revoke(refresh=serializer.validated_data["refresh"])
        except TokenError as exc:
            raise InvalidToken(str(exc)) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)
