"""Writes about users and referrals."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from users.exceptions import (
    InviteCodeAlreadyActivated,
    InviteCodeCycle,
    InviteCodeIsOwn,
    InviteCodeNotFound,
    TooManyActivationAttempts,
)
from users.invite_codes import PATTERN, invite_code_normalize
from users.models import InviteActivationFailure, User


def user_create(*, phone: str, password: str | None = None, **extra) -> User:
    """Create a user (phone in E.164) with a fresh random invite code; no password makes it unusable.

    Raises IntegrityError if the phone is already taken.
    """
    user = User(phone=phone, **extra)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    return user_insert(user=user)


def user_insert(*, user: User) -> User:
    """Insert the new, unsaved `user` with a fresh random invite code (for forms that build the user,
    like the admin's); returns it saved. Raises IntegrityError if the phone is already taken."""
    return User.objects.insert_with_invite_code(user)


@dataclass(frozen=True)
class SignedInUser:
    user: User
    is_new: bool


def user_get_or_create(*, phone: str) -> SignedInUser:
    """The user with this phone, created (with its invite code) on its first sign-in."""
    user = User.objects.filter(phone=phone).first()
    if user is not None:
        return SignedInUser(user=user, is_new=False)
    try:
        return SignedInUser(user=user_create(phone=phone), is_new=True)
    except IntegrityError:
        # Another request created it between our read and our insert.
        return SignedInUser(user=User.objects.get(phone=phone), is_new=False)


def _referral_root_id(user_id: int) -> int:
    """Id of the top of the referral chain above `user_id` (the user itself if it has no referrer)."""
    table = User._meta.db_table
    # UNION (not UNION ALL) stops the walk even if the data ever held a cycle.
    sql = f"""
        WITH RECURSIVE chain(id, referred_by_id) AS (
            SELECT id, referred_by_id FROM {table} WHERE id = %s
            UNION
            SELECT u.id, u.referred_by_id FROM {table} u JOIN chain c ON u.id = c.referred_by_id
        )
        SELECT id FROM chain WHERE referred_by_id IS NULL
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id])
        row = cursor.fetchone()
    if row is None:  # only possible if the data holds a cycle, which the activation prevents
        raise InviteCodeCycle()
    return row[0]


def invite_code_activate(*, user: User, code: str) -> User:
    """Make `user` a referral of the owner of `code`. One activation per user, ever; returns the updated user.

    Raises InviteCodeAlreadyActivated (409), TooManyActivationAttempts (429), or, counted as a failed
    attempt, InviteCodeNotFound / InviteCodeIsOwn / InviteCodeCycle (400).

    Locking: only a user without a referrer can gain one, so the users at the top of referral chains
    are the only ones whose chains can change. We lock, in id order (no deadlocks), the activating user
    and the top of the owner's chain, then re-check that the top is still the top. With both locked,
    a cycle would form exactly when the activating user is that top, and no concurrent activation can
    change the answer before we commit.
    """
    normalized = invite_code_normalize(code)
    owner = User.objects.filter(invite_code=normalized).only("id").first() if PATTERN.match(normalized) else None
    now = timezone.now()

    while True:
        root_id = _referral_root_id(owner.pk) if owner is not None else None
        refusal = None
        with transaction.atomic():
            lock_ids = {user.pk} | ({root_id} if root_id is not None else set())
            locked = {u.pk: u for u in User.objects.select_for_update().filter(pk__in=lock_ids).order_by("pk")}
            me = locked[user.pk]
            if me.referred_by_id is not None:
                raise InviteCodeAlreadyActivated()
            _check_activation_failures(user=me, now=now)

            if root_id is not None and locked[root_id].referred_by_id is not None:
                continue  # the chain's top activated a code meanwhile: walk again
            if owner is None:
                refusal = InviteCodeNotFound()
            elif owner.pk == me.pk:
                refusal = InviteCodeIsOwn()
            elif root_id == me.pk:
                refusal = InviteCodeCycle()

            if refusal is not None:
                InviteActivationFailure.objects.create(user=me, created_at=now)
            else:
                updated = User.objects.filter(pk=me.pk, referred_by__isnull=True).update(
                    referred_by=owner, activated_at=now
                )
                if updated != 1:  # unreachable while the row lock is held; keep the invariant loud
                    raise InviteCodeAlreadyActivated()
                User.objects.filter(pk=owner.pk).update(referrals_count=F("referrals_count") + 1)
                me.referred_by_id, me.activated_at = owner.pk, now
        # Raised after the block so that the failure row above is committed, not rolled back.
        if refusal is not None:
            raise refusal
        return me


def _check_activation_failures(*, user: User, now) -> None:
    window = timedelta(hours=1)
    recent = list(
        InviteActivationFailure.objects.filter(user=user, created_at__gt=now - window)
        .order_by("created_at")
        .values_list("created_at", flat=True)[: settings.INVITE_MAX_FAILURES_PER_HOUR]
    )
    if len(recent) >= settings.INVITE_MAX_FAILURES_PER_HOUR:
        raise TooManyActivationAttempts(retry_after=(recent[0] + window - now).total_seconds())
