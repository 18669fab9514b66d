from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.exceptions import ErrorCode
from users.phones import PHONE_MAX_INPUT, InvalidPhone, NotMobilePhone, phone_normalize, sms_region_allowed


@extend_schema_field({"type": "string", "maxLength": PHONE_MAX_INPUT, "example": "+7 916 123-45-67"})
class PhoneNumberField(serializers.Field):
    """A mobile phone number in any common spelling, normalised to E.164.

    "+7 916 123-45-67", "8 (916) 123-45-67", "89161234567" and "9161234567" all become "+79161234567"
    (the default region comes from PHONE_DEFAULT_REGION).
    """

    default_error_messages = {
        code: code.label
        for code in (
            ErrorCode.PHONE_INVALID,
            ErrorCode.PHONE_NOT_MOBILE,
            ErrorCode.NOT_A_STRING,
            ErrorCode.PHONE_REGION_NOT_ALLOWED,
        )
    }

    def __init__(self, *, sms_regions_only: bool = False, **kwargs):
        """`sms_regions_only`: refuse numbers of countries codes aren't sent to (OTP_ALLOWED_REGIONS)."""
        self.sms_regions_only = sms_regions_only
        kwargs.setdefault("help_text", "Mobile phone number in any common spelling; answered in E.164.")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail(ErrorCode.NOT_A_STRING)
        try:
            phone = phone_normalize(data, mobile_only=True)
        except NotMobilePhone:
            self.fail(ErrorCode.PHONE_NOT_MOBILE)
        except InvalidPhone:
            self.fail(ErrorCode.PHONE_INVALID)
        if self.sms_regions_only and phone not in settings.OTP_TEST_NUMBERS and not sms_region_allowed(phone):
            self.fail(ErrorCode.PHONE_REGION_NOT_ALLOWED)
        return phone

    def to_representation(self, value):
        return value


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "pattern": "^([0-9]{4}|[0-9]{6,10})$"},
            {"type": "integer", "minimum": 0, "maximum": 9999},
        ],
        "example": "0421",
    }
)
class OtpCodeField(serializers.Field):
    """The code from the SMS: "0421", or the JSON integer 421 (left-padded with zeros).

    Codes have 4 digits, or OTP_HARDENED_CODE_LENGTH after wrong codes for the phone that day. Long
    codes come as strings only: an integer can't say how many leading zeros it lost.
    """

    default_error_messages = {ErrorCode.CODE_FORMAT: ErrorCode.CODE_FORMAT.label}

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            'The code from the SMS as a string, e.g. "0421": 4 digits, or as many as the login answer\'s '
            "`code_length` says. A 4-digit code may also come as an integer (left-padded).",
        )
        super().__init__(**kwargs)

    def fail_invalid(self):
        self.fail(ErrorCode.CODE_FORMAT, long=settings.OTP_HARDENED_CODE_LENGTH)

    def to_internal_value(self, data):
        long = settings.OTP_HARDENED_CODE_LENGTH
        if isinstance(data, bool):
            self.fail_invalid()
        if isinstance(data, int):
            if 0 <= data <= 9999:
                return f"{data:04d}"
            self.fail_invalid()
        if isinstance(data, str):
            text = data.strip()
            if len(text) in (4, long) and text.isascii() and text.isdigit():
                return text
        self.fail_invalid()

    def to_representation(self, value):
        return value


class AltchaPayloadField(serializers.CharField):
    """A string only: DRF's CharField would take the number 0 as "0", which no client means."""

    default_error_messages = {ErrorCode.NOT_A_STRING: ErrorCode.NOT_A_STRING.label}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail(ErrorCode.NOT_A_STRING)
        return super().to_internal_value(data)


class LoginInputSerializer(serializers.Serializer):
    phone = PhoneNumberField(sms_regions_only=True)
    altcha = AltchaPayloadField(
        required=False,
        allow_blank=True,
        max_length=4000,
        help_text="Only after a 428 `proof_of_work_required`: the solved challenge, as the ALTCHA solver encodes it "
        '(base64 of the JSON `{"challenge": <the 428\'s altcha>, "solution": {"counter": …, "derivedKey": …}}`).',
    )


class LoginOutputSerializer(serializers.Serializer):
    phone = serializers.CharField(help_text="The phone in E.164.")
    expires_in = serializers.IntegerField(help_text="Seconds the code stays valid.")
    resend_in = serializers.IntegerField(help_text="Seconds before a new code can be requested.")
    challenge = serializers.CharField(
        help_text="Opaque id of this code. Send it back with the code to /api/verify/: then only your own entries "
        "count against the code's tries, and nobody else's wrong guesses can use them up."
    )
    code_length = serializers.IntegerField(
        help_text="Digits in the code: 4, or OTP_HARDENED_CODE_LENGTH (8) after wrong codes for this phone that day."
    )
    code = serializers.CharField(
        required=False, help_text="The code itself, only when the server runs with OTP_ECHO=true (demos, tests)."
    )

    def to_representation(self, instance):
        body = super().to_representation(instance)
        if not self.context.get("echo"):
            del body["code"]
        return body


@extend_schema_field({"type": "string", "nullable": True, "example": "AB12CD"})
class ShareLinkCodeField(serializers.Field):
    """A share link's invite code as the client kept it: anything that isn't a plausible one (not a string, longer
    than 64 characters) reads as none, so that attribution never refuses a sign-in."""

    def to_internal_value(self, data):
        return data if isinstance(data, str) and len(data) <= 64 else None

    def to_representation(self, value):
        return value


class VerifyInputSerializer(serializers.Serializer):
    phone = PhoneNumberField()
    token = OtpCodeField()
    challenge = serializers.CharField(
        required=False,
        max_length=64,
        help_text="The `challenge` of the login answer. Optional; without it the entry counts against the code's "
        "open tries and the phone's daily limit of wrong codes.",
    )
    invite_code = ShareLinkCodeField(
        required=False,
        allow_null=True,
        help_text="Optional: the invite code of the share link the person came through (the web app keeps it from "
        "`/?invite=<code>`). On the phone's first sign-in it records whose link it was; it activates nothing. An "
        "unknown or malformed code is ignored, never an error; so is any code once the phone has a user.",
    )


class VerifyOutputSerializer(serializers.Serializer):
    access = serializers.CharField(help_text="JWT access token; send as `Authorization: Bearer <access>`.")
    refresh = serializers.CharField(help_text="JWT refresh token, for /api/token/refresh/ and /api/logout/.")
    is_new = serializers.BooleanField(help_text="True on the first sign-in of this phone (the user was created).")


class RefreshInputSerializer(serializers.Serializer):
    refresh = serializers.CharField(help_text="A refresh token.")


class RefreshTokenErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text='Why the token can\'t be used, e.g. "Token is blacklisted".')
    code = serializers.CharField(help_text="Always `token_not_valid`.")


class TokenPairOutputSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField(help_text="A new refresh token; the one sent is no longer valid (rotation).")
