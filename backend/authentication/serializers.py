from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from users.phones import PHONE_MAX_INPUT, InvalidPhone, NotMobilePhone, phone_normalize


@extend_schema_field({"type": "string", "maxLength": PHONE_MAX_INPUT, "example": "+7 916 123-45-67"})
class PhoneNumberField(serializers.Field):
    """A mobile phone number in any common spelling, normalised to E.164.

    "+7 916 123-45-67", "8 (916) 123-45-67", "89161234567" and "9161234567" all become "+79161234567"
    (the default region comes from PHONE_DEFAULT_REGION).
    """

    default_error_messages = {
        "invalid": "Enter a valid mobile phone number, e.g. +7 916 123-45-67.",
        "not_mobile": "This number can't receive SMS. Enter a mobile phone number.",
        "not_a_string": "Send the phone number as a string.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "Mobile phone number in any common spelling; answered in E.164.")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        try:
            return phone_normalize(data, mobile_only=True)
        except NotMobilePhone:
            self.fail("not_mobile")
        except InvalidPhone:
            self.fail("invalid")

    def to_representation(self, value):
        return value


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "pattern": "^[0-9]{4}$"},
            {"type": "integer", "minimum": 0, "maximum": 9999},
        ],
        "example": "0421",
    }
)
class OtpCodeField(serializers.Field):
    """The 4-digit SMS code: "0421", or the JSON integer 421 (left-padded with zeros)."""

    default_error_messages = {"invalid": "Enter the 4-digit code from the SMS."}

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", 'The 4-digit code from the SMS, e.g. "0421" (an integer is left-padded).')
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, int):
            if not 0 <= data <= 9999:
                self.fail("invalid")
            return f"{data:04d}"
        if isinstance(data, str):
            text = data.strip()
            if len(text) == 4 and text.isascii() and text.isdigit():
                return text
        self.fail("invalid")

    def to_representation(self, value):
        return value


class LoginInputSerializer(serializers.Serializer):
    phone = PhoneNumberField()


class LoginOutputSerializer(serializers.Serializer):
    phone = serializers.CharField(help_text="The phone in E.164.")
    expires_in = serializers.IntegerField(help_text="Seconds the code stays valid.")
    resend_in = serializers.IntegerField(help_text="Seconds before a new code can be requested.")
    code = serializers.CharField(
        required=False, help_text="The code itself, only when the server runs with OTP_ECHO=true (demos, tests)."
    )


class VerifyInputSerializer(serializers.Serializer):
    phone = PhoneNumberField()
    token = OtpCodeField()


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
