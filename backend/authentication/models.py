import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class OtpCode(models.Model):
    """One SMS code sent to a phone. Only a keyed hash of the code is stored.

    Rows are kept after use: the recent ones count toward the per-phone send limits.
    """

    phone = models.CharField(max_length=16)
    code_hash = models.CharField(max_length=64, help_text="HMAC-SHA256 of phone and code, never the code itself.")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0, help_text="How many entries were checked against it.")
    is_active = models.BooleanField(default=True, help_text="False once used or replaced by a newer code.")
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One live code per phone: a concurrent second send fails here instead of racing.
            models.UniqueConstraint(
                fields=["phone"], condition=Q(is_active=True), name="otp_one_active_code_per_phone"
            ),
        ]
        indexes = [models.Index(fields=["phone", "created_at"], name="otp_phone_created")]

    def __str__(self) -> str:
        return f"{self.phone} @ {self.created_at:%Y-%m-%d %H:%M:%S}"


class OtpFailure(models.Model):
    """One wrong code entered for a phone; the recent ones lock the phone out for a while."""

    phone = models.CharField(max_length=16)
    created_at = models.DateTimeField(default=timezone.now)

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
