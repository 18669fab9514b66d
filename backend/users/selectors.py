"""Reads about users and referrals."""

from dataclasses import dataclass

from django.db.models import QuerySet

from users.models import User

PROFILE_REFERRALS_LIMIT = 100


@dataclass(frozen=True)
class Profile:
    phone: str
    invite_code: str
    foreign_invite_code: str | None
    activated_your_code: list[str]
    activated_your_code_count: int


def referral_list(*, user: User) -> QuerySet[User]:
    """Users who activated `user`'s invite code, newest first (served by the user_referrals_newest index)."""
    return User.objects.filter(referred_by_id=user.pk).order_by("-activated_at", "-id")


def profile_get(*, user: User) -> Profile:
    """The profile with at most 100 referral phones; the count is the stored total (no COUNT(*))."""
    foreign_invite_code = None
    if user.referred_by_id is not None:
        foreign_invite_code = User.objects.values_list("invite_code", flat=True).get(pk=user.referred_by_id)
    phones = list(referral_list(user=user).values_list("phone", flat=True)[:PROFILE_REFERRALS_LIMIT])
    return Profile(
        phone=user.phone,
        invite_code=user.invite_code,
        foreign_invite_code=foreign_invite_code,
        activated_your_code=phones,
        activated_your_code_count=user.referrals_count,
    )
