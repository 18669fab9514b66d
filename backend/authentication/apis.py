from dataclasses import asdict

from django.conf import settings
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from authentication.risk import login_proof_of_work_check
from authentication.schema import login_schema, logout_schema, token_refresh_schema, verify_schema
from authentication.serializers import (
    LoginInputSerializer,
    LoginOutputSerializer,
    RefreshInputSerializer,
    TokenPairOutputSerializer,
    VerifyInputSerializer,
    VerifyOutputSerializer,
)
from authentication.services import otp_request, otp_verify, token_refresh, token_revoke, tokens_issue
from authentication.throttles import LoginIpThrottle, VerifyIpThrottle


def _sms_language(request) -> str | None:
    """The SMS's language: the one LocaleMiddleware picked, if the client named any (else OTP_SMS_TEXT's first)."""
    return request.LANGUAGE_CODE if request.headers.get("Accept-Language") else None


class _PublicApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]


class _RefreshTokenApi(_PublicApi):
    def get_authenticate_header(self, request):
        # An unusable refresh token is a 401 (DRF turns 401 into 403 without this header).
        return 'Bearer realm="api"'


class LoginApi(_PublicApi):
    throttle_classes = [LoginIpThrottle]

    @login_schema
    def post(self, request):
        serializer = LoginInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        phone = serializer.validated_data["phone"]
        proven = login_proof_of_work_check(
            request=request, phone=phone, solution=serializer.validated_data.get("altcha")
        )
        issued = otp_request(phone=phone, language=_sms_language(request), proof_of_work=proven)
        return Response(LoginOutputSerializer(issued, context={"echo": settings.OTP_ECHO}).data)


class VerifyApi(_PublicApi):
    throttle_classes = [VerifyIpThrottle]

    @verify_schema
    def post(self, request):
        serializer = VerifyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        sign_in = otp_verify(
            phone=data["phone"],
            code=data["token"],
            challenge=data.get("challenge"),
            invite_code=data.get("invite_code"),
        )
        tokens = tokens_issue(user=sign_in.user)
        return Response(VerifyOutputSerializer({**asdict(tokens), "is_new": sign_in.is_new}).data)


class TokenRefreshApi(_RefreshTokenApi):
    @token_refresh_schema
    def post(self, request):
        serializer = RefreshInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            tokens = token_refresh(refresh=serializer.validated_data["refresh"])
        except TokenError as exc:
            raise InvalidToken(str(exc)) from exc
        return Response(TokenPairOutputSerializer(tokens).data)


class LogoutApi(_RefreshTokenApi):
    @logout_schema
    def post(self, request):
        serializer = RefreshInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            token_revoke(refresh=serializer.validated_data["refresh"])
        except TokenError as exc:
            raise InvalidToken(str(exc)) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)
