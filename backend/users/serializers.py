from rest_framework import serializers

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
