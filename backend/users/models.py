from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.utils import timezone

from users.invite_codes import ALPHABET, LENGTH, invite_code_generate
from users.phones import InvalidPhone, phone_normalize

E164_REGEX = r"^\+[1-9][0-9]{6,14}$"
INVITE_CODE_REGEX = rf"^[{ALPHABET}]{{{LENGTH}}}$"
# 32**6 ≈ 1.07e9 codes: a collision is rare, several in a row means something else is wrong.
_INVITE_CODE_TRIES = 10


class PhoneField(models.CharField):
    """A phone stored in E.164. Cleaning takes any common spelling (`8 (916) 123-45-67`), so whatever
    validates through the model (`make superuser`, asking interactively or with --phone) reads phones
    the way the API and the admin do; anything that isn't a phone fails validation with a message."""

    default_validators = [RegexValidator(E164_REGEX, "Enter a valid phone number, e.g. +7 916 123-45-67.")]

    def clean(self, value, model_instance):
        # Only validation normalises: what is saved is written as given, so the database's own CHECK
        # still refuses a non-E.164 value that skipped validation.
        if isinstance(value, str):
            try:
                value = phone_normalize(value, mobile_only=False)
            except InvalidPhone:
                pass  # left as typed: the validator above refuses it
        return super().clean(value, model_instance)


class UserManager(BaseUserManager):
    def get_by_natural_key(self, username):
        # createsuperuser's "already taken" check and password sign-in look users up by phone: any
        # spelling finds the account.
        try:
            username = phone_normalize(str(username), mobile_only=False)
        except InvalidPhone:
            pass
        return super().get_by_natural_key(username)

    def create_superuser(self, phone: str, password: str | None = None, **extra):
        """Admin accounts (`make superuser`); app users are created by phone sign-in.

        The phone may be typed any common way; it is stored in E.164 like every other. Raises
        InvalidPhone (a ValueError) for a number that isn't one.
        """
        # Any valid number: an admin signs in with a password, not an SMS code.
        user = self.model(phone=phone_normalize(str(phone), mobile_only=False), is_staff=True, is_superuser=True)
        user.set_password(password)  # None leaves it unusable
        return self.insert_with_invite_code(user)

    def insert_with_invite_code(self, user: "User") -> "User":
        """Insert the new, unsaved `user` with a fresh random invite code; returns it saved.

        Uniqueness is left to the database's unique index: on a collision we draw again instead of
        checking first (a check would race). Raises IntegrityError if the phone is already taken.
        """
        for _ in range(_INVITE_CODE_TRIES):
            user.invite_code = invite_code_generate()
            try:
                with transaction.atomic(using=self.db):
                    user.save(force_insert=True, using=self.db)
                return user
            except IntegrityError as exc:
                if self.filter(phone=user.phone).exists():
                    raise
                last_error = exc
        raise last_error


class User(AbstractBaseUser, PermissionsMixin):
    phone = PhoneField(max_length=16, unique=True, help_text="E.164, e.g. +79161234567")
    invite_code = models.CharField(max_length=LENGTH, unique=True)
    referred_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,  # covered by the user_referrals_newest index, which leads with it
        related_name="referrals",
        help_text="The user whose invite code this user activated.",
    )
    activated_at = models.DateTimeField(null=True, blank=True, help_text="When the invite code was activated.")
    # Attribution, not activation: whose share link the phone came through on its first sign-in (the code the web
    # app kept from the link). Set once, at creation; activating a code stays the user's own, explicit action.
    joined_via = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_index=False,  # covered by user_joined_via_time, which leads with it
        related_name="joined_through",
        help_text="The user whose share link this user signed up through (date_joined says when).",
    )
    # Kept by the activation service in the same transaction as the referral row, so the profile
    # shows the total without counting (constant cost for a user with 100,000 referrals).
    referrals_count = models.PositiveIntegerField(default=0)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(phone__regex=E164_REGEX), name="user_phone_e164"),
            models.CheckConstraint(condition=Q(invite_code__regex=INVITE_CODE_REGEX), name="user_invite_code_format"),
            models.CheckConstraint(condition=~Q(referred_by=F("id")), name="user_no_self_referral"),
            models.CheckConstraint(
                condition=Q(referred_by__isnull=True, activated_at__isnull=True)
                | Q(referred_by__isnull=False, activated_at__isnull=False),
                name="user_referral_has_activation_time",
            ),
            models.CheckConstraint(condition=Q(referrals_count__gte=0), name="user_referrals_count_non_negative"),
        ]
        indexes = [
            # The referral list: WHERE referred_by = ? ORDER BY activated_at DESC, id DESC LIMIT n.
            models.Index(F("referred_by"), F("activated_at").desc(), F("id").desc(), name="user_referrals_newest"),
            # A referrer's sign-ups through their link, by day (GET /api/profile/stats/, the admin's top referrers).
            models.Index(fields=["joined_via", "date_joined"], name="user_joined_via_time"),
            # The whole program's funnel by day (the admin): sign-ups through a link and activations in a date
            # range. Partial: most users joined without a link, and have activated nothing.
            models.Index(
                fields=["date_joined", "joined_via"],
                name="user_link_signups_time",
                condition=Q(joined_via__isnull=False),
            ),
            # The admin's users list, newest first (its default order) and most referrals first, a page at a time:
            # with 100,000 users a sort of the whole table cost 50-100 ms per page.
            models.Index(F("date_joined").desc(), F("id").desc(), name="user_joined_newest"),
            models.Index(
                F("referrals_count").desc(), F("date_joined").desc(), F("id").desc(), name="user_most_referrals"
            ),
            models.Index(
                fields=["activated_at", "referred_by"],
                name="user_activations_time",
                condition=Q(activated_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.phone


class InviteActivationFailure(models.Model):
    """One refused invite-code activation; the recent ones cap brute-force guessing."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"], name="invite_failure_user_time")]

    def __str__(self) -> str:
        return f"user {self.user_id} @ {self.created_at:%Y-%m-%d %H:%M:%S}"


class InviteOpen(models.Model):
    """A share link opened in one browser: the first time that browser (its random `visitor` id) opened that code's
    link. Later opens by the same browser are not rows: the unique (inviter, visitor) pair makes opening idempotent."""

    inviter = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", db_index=False)
    visitor = models.UUIDField(help_text="The browser's random id (kept in its localStorage).")
    opened_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["inviter", "visitor"], name="invite_open_once_per_visitor")]
        indexes = [
            # A referrer's opens by day (GET /api/profile/stats/, the admin's top referrers).
            models.Index(fields=["inviter", "opened_at"], name="invite_open_inviter_time"),
            # The whole program's opens by day (the admin's funnel).
            models.Index(fields=["opened_at", "inviter"], name="invite_open_time"),
        ]

    def __str__(self) -> str:
        return f"{self.inviter_id} opened by {self.visitor} @ {self.opened_at:%Y-%m-%d %H:%M:%S}"
