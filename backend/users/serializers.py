from rest_framework import serializers

from common.exceptions import ErrorCode
from users.invite_codes import LENGTH


class ProfileOutputSerializer(serializers.Serializer):
    phone = serializers.CharField(help_text="E.164 phone number.")
    invite_code = serializers.CharField(help_text="This user's own invite code, to share.")
    foreign_invite_code = serializers.CharField(
        allow_null=True, help_text="The invite code this user activated, or null if none."
    )
    activated_your_code = serializers.ListField(
        child=serializers.CharField(),
        help_text="Phones of the users who activated this user's code, newest first, at most 100.",
    )
    activated_your_code_count = serializers.IntegerField(help_text="How many users activated this user's code.")


class ProfileUpdateInputSerializer(serializers.Serializer):
    foreign_invite_code = serializers.CharField(
        required=False,
        max_length=64,
        trim_whitespace=True,
        help_text=(
            f"Someone else's {LENGTH}-character invite code. Case-insensitive; surrounding spaces are ignored; "
            "O is read as 0, I and L as 1. Can be set once."
        ),
    )


class ReferralOutputSerializer(serializers.Serializer):
    phone = serializers.CharField()
    activated_at = serializers.DateTimeField()


class VisitorField(serializers.UUIDField):
    """The browser's random id: a UUID as a string, refused with a code of its own (DRF's says nothing of what to
    send)."""

    default_error_messages = {ErrorCode.VISITOR_INVALID: ErrorCode.VISITOR_INVALID.label}

    def to_internal_value(self, data):
        if not isinstance(data, str):  # DRF's would take the integer 42 as a UUID
            self.fail(ErrorCode.VISITOR_INVALID)
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError:
            self.fail(ErrorCode.VISITOR_INVALID)


class InviteOpenInputSerializer(serializers.Serializer):
    visitor = VisitorField(
        help_text="A random id of this browser (a UUID made once, e.g. with crypto.randomUUID(), and kept in "
        "localStorage): the same browser opening the same link again is not counted again."
    )


class FunnelTotalsOutputSerializer(serializers.Serializer):
    opens = serializers.IntegerField(help_text="Browsers that opened my share link (each browser once).")
    sign_ups = serializers.IntegerField(help_text="Phones whose first sign-in came through my share link.")
    activations = serializers.IntegerField(help_text="Users who activated my invite code.")


class FunnelDayOutputSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="A day in UTC.")
    opens = serializers.IntegerField()
    sign_ups = serializers.IntegerField()
    activations = serializers.IntegerField()


class ReferralStatsOutputSerializer(serializers.Serializer):
    totals = FunnelTotalsOutputSerializer(help_text="Since the beginning.")
    days = FunnelDayOutputSerializer(
        many=True,
        help_text="The last 30 days in UTC, oldest first and today (UTC) last; days with nothing are included, as "
        "zeros.",
    )
