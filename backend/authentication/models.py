import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class SendStatus(models.TextChoices):
    PENDING = "pending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Every provider failed"
    TEST = "test", "Test number: no SMS"


class OtpCode(models.Model):
    """One SMS code sent to a phone. Only keyed hashes of the code and of its challenge are stored.

    The challenge is handed to whoever asked for the code; entries that bring it are counted apart
    (`attempts`) from entries that don't (`open_attempts`), so a stranger can't use up the tries of
    the person typing the code. Rows are kept after use: the recent ones count toward the per-phone
    send limits.
    """

    phone = models.CharField(max_length=16)
    country = models.CharField(
        max_length=3, blank=True, db_default="", help_text="The phone's region (ISO 3166), e.g. RU."
    )
    prefix = models.CharField(
        max_length=16, blank=True, db_default="", help_text="The phone without its last 4 digits."
    )
    send_status = models.CharField(
        max_length=8,
        choices=SendStatus.choices,
        default=SendStatus.PENDING,
        db_default=SendStatus.SENT,
        help_text="A code whose SMS every provider refused doesn't count toward the phone's send limits.",
    )
    code_hash = models.CharField(max_length=64, help_text="HMAC-SHA256 of phone and code, never the code itself.")
    challenge_hash = models.CharField(
        max_length=64,
        blank=True,
        db_default="",
        help_text="HMAC-SHA256 of the challenge given with the code (blank on old rows).",
    )
    digits = models.PositiveSmallIntegerField(
        default=4,
        db_default=4,
        help_text="Length of the code: 4, or OTP_HARDENED_CODE_LENGTH after wrong codes that day.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Entries checked against it that brought its challenge."
    )
    open_attempts = models.PositiveSmallIntegerField(
        default=0,
        db_default=0,
        help_text="Entries checked against it without its challenge (older clients, or anyone else).",
    )
    is_active = models.BooleanField(default=True, help_text="False once used or replaced by a newer code.")
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One live code per phone: a concurrent second send fails here instead of racing.
            models.UniqueConstraint(
                fields=["phone"], condition=Q(is_active=True), name="otp_one_active_code_per_phone"
            ),
        ]
        indexes = [
            models.Index(fields=["phone", "created_at"], name="otp_phone_created"),
            models.Index(fields=["country", "created_at"], name="otp_country_created"),
            models.Index(fields=["prefix", "created_at"], name="otp_prefix_created"),
        ]

    def __str__(self) -> str:
        return f"{self.phone} @ {self.created_at:%Y-%m-%d %H:%M:%S}"


class SmsMessage(models.Model):
    """One try at sending a code's SMS through one provider of the route: the one that took it, or failed."""

    class Status(models.TextChoices):
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    otp = models.ForeignKey(OtpCode, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages")
    phone = models.CharField(max_length=16)
    country = models.CharField(max_length=3, blank=True)
    provider = models.CharField(max_length=100)
    provider_message_id = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices)
    latency_ms = models.PositiveIntegerField()
    error = models.TextField(blank=True)
    error_code = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "SMS"
        verbose_name_plural = "SMS sent"
        indexes = [
            models.Index(fields=["created_at"], name="sms_created"),
            models.Index(fields=["phone", "created_at"], name="sms_phone_created"),
        ]

    def __str__(self) -> str:
        return f"{self.phone} via {self.provider}: {self.status}"


class OtpFailure(models.Model):
    """One wrong code entered for a phone.

    Any recent one makes the phone's next codes longer; OTP_MAX_FAILURES_PER_DAY of them close the
    entries that don't bring a challenge. Neither stops the holder of a challenge.
    """

    phone = models.CharField(max_length=16)
    created_at = models.DateTimeField(default=timezone.now)
    with_challenge = models.BooleanField(
        default=False, db_default=False, help_text="The entry brought the code's challenge."
    )

    class Meta:
        indexes = [models.Index(fields=["phone", "created_at"], name="otp_failure_phone_created")]

    def __str__(self) -> str:
        return f"{self.phone} @ {self.created_at:%Y-%m-%d %H:%M:%S}"


class TokenFamily(models.Model):
    """One sign-in (one session): every refresh token rotated from it carries its id in the `family` claim.

    Once revoked (logout, or a refresh token presented twice) no refresh token of the family is accepted
    and its access tokens stop working; only the first revocation is recorded (a conditional UPDATE).
    Deleting the user deletes its families, which ends its sessions the same way.
    """

    class RevokeReason(models.TextChoices):
        LOGOUT = "logout", "Signed out"
        REUSE = "reuse", "A refresh token was presented twice (stolen or replayed)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="token_families")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=16, choices=RevokeReason.choices, blank=True)

    class Meta:
        verbose_name_plural = "token families"
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoke_reason="")
                | Q(revoked_at__isnull=False) & ~Q(revoke_reason=""),
                name="token_family_revoked_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d %H:%M:%S}"


class SmsBlock(models.Model):
    """SMS paused for a number prefix or a country whose codes were rarely used: the mark of SMS pumping.

    Created by the conversion watch (services._conversion_watch) and lifted by an operator in the admin. At most
    one live (not lifted) block per (kind, value), by a partial unique index, so concurrent watchers create one.
    Lifted rows stay as history; the newest lift also restarts the watch's count for its (kind, value).
    """

    class Kind(models.TextChoices):
        PREFIX = "prefix", "Number prefix"
        COUNTRY = "country", "Country"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    value = models.CharField(max_length=16, help_text="The prefix (the number without its last 4 digits) or country.")
    reason = models.TextField(blank=True)
    conversion = models.FloatField(help_text="Share of the counted codes that were used, when blocked.")
    sends = models.PositiveIntegerField(help_text="Codes sent in the 24 h (or since the last lift) counted.")
    created_at = models.DateTimeField(default=timezone.now)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "SMS block"
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "value"], condition=Q(lifted_at__isnull=True), name="sms_block_one_live_per_value"
            ),
        ]
        indexes = [models.Index(fields=["kind", "value", "lifted_at"], name="sms_block_kind_value_lifted")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}"
