"""Writes about users and referrals."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from events.models import EventType
from events.services import event_record
from users.exceptions import (
    InviteCodeAlreadyActivated,
    InviteCodeCycle,
    InviteCodeIsOwn,
    InviteCodeNotFound,
    InviteLinkNotFound,
    TooManyActivationAttempts,
)
from users.invite_codes import PATTERN, invite_code_normalize
from users.models import InviteActivationFailure, InviteOpen, User


def _timestamp(moment: datetime) -> str:
    """An event payload's time: ISO 8601 in UTC with a Z, as the API writes times."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def invite_code_owner(*, code: str | None) -> User | None:
    """The user whose invite code `code` is (spelt any way the activation accepts), or None: unknown, malformed or
    empty. One query, and none for a malformed code."""
    normalized = invite_code_normalize(code or "")
    if not PATTERN.match(normalized):
        return None
    return User.objects.filter(invite_code=normalized).only("id", "phone", "invite_code").first()


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


def user_get_or_create(*, phone: str, invite_code: str | None = None) -> SignedInUser:
    """The user with this phone, created (with its invite code) on its first sign-in, with its `user.signed_up`
    event in the same transaction.

    `invite_code` is the code of the share link the person came through, if the client kept one: a new user records
    its owner as `joined_via` (attribution only: nothing is activated). An unknown or malformed code is ignored, as
    is any code for a phone that already has a user: a sign-in never fails over attribution. Of requests creating
    one phone at once, exactly one creates it (the phone's unique index decides) and records the event.
    """
    user = User.objects.filter(phone=phone).first()
    if user is not None:
        return SignedInUser(user=user, is_new=False)
    inviter = invite_code_owner(code=invite_code)
    try:
        with transaction.atomic():
            user = user_create(phone=phone, joined_via=inviter)
            event_record(
                type=EventType.USER_SIGNED_UP,
                subject_id=user.pk,
                payload={
                    "user_id": user.pk,
                    "phone": user.phone,
                    "invite_code": user.invite_code,
                    "invited_by_code": inviter.invite_code if inviter is not None else None,
                    "signed_up_at": _timestamp(user.date_joined),
                },
            )
    except IntegrityError:
        # Another request created it between our read and our insert (and recorded its event).
        return SignedInUser(user=User.objects.get(phone=phone), is_new=False)
    return SignedInUser(user=user, is_new=True)


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

    Records `invite.activated` (about the code's owner) in the activation's transaction. Raises
    InviteCodeAlreadyActivated (409), TooManyActivationAttempts (429), or, counted as a failed attempt,
    InviteCodeNotFound / InviteCodeIsOwn / InviteCodeCycle (400).

    Locking: only a user without a referrer can gain one, so the users at the top of referral chains
    are the only ones whose chains can change. We lock, in id order (no deadlocks), the activating user
    and the top of the owner's chain, then re-check that the top is still the top. With both locked,
    a cycle would form exactly when the activating user is that top, and no concurrent activation can
    change the answer before we commit.
    """
    owner = invite_code_owner(code=code)
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
                event_record(
                    type=EventType.INVITE_ACTIVATED,
                    subject_id=owner.pk,
                    payload={
                        "inviter_id": owner.pk,
                        "inviter_phone": owner.phone,
                        "invitee_id": me.pk,
                        "invitee_phone": me.phone,
                        "code": owner.invite_code,
                        "activated_at": _timestamp(now),
                    },
                )
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


def invite_open(*, code: str, visitor: uuid.UUID) -> bool:
    """Record that the browser `visitor` opened the share link of `code`, with its `invite.opened` event, once per
    (code, browser): later calls record nothing. Returns whether this call recorded it.

    Raises InviteLinkNotFound (404) for an unknown or malformed code. Idempotent under concurrency: the unique
    (inviter, visitor) pair decides, with INSERT ... ON CONFLICT DO NOTHING, so of simultaneous calls exactly one
    inserts the row and its event, and the others wait for it and find it there.
    """
    inviter = invite_code_owner(code=code)
    if inviter is None:
        raise InviteLinkNotFound()
    now = timezone.now()
    table = connection.ops.quote_name(InviteOpen._meta.db_table)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (inviter_id, visitor, opened_at) VALUES (%s, %s, %s) "
                "ON CONFLICT (inviter_id, visitor) DO NOTHING RETURNING id",
                [
                    inviter.pk,
                    InviteOpen._meta.get_field("visitor").get_db_prep_value(visitor, connection),
                    connection.ops.adapt_datetimefield_value(now),
                ],
            )
            if cursor.fetchone() is None:  # this browser opened this link before: nothing new to record
                return False
        event_record(
            type=EventType.INVITE_OPENED,
            subject_id=inviter.pk,
            payload={"code": inviter.invite_code, "inviter_id": inviter.pk, "opened_at": _timestamp(now)},
        )
    return True
