import pytest
from django.utils import timezone

from users.exceptions import (
    InviteCodeAlreadyActivated,
    InviteCodeCycle,
    InviteCodeIsOwn,
    InviteCodeNotFound,
    TooManyActivationAttempts,
)
from users.invite_codes import ALPHABET, PATTERN, invite_code_generate, invite_code_normalize
from users.models import InviteActivationFailure, User
from users.services import invite_code_activate, user_create, user_get_or_create
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_invite_codes_are_six_characters_of_the_alphabet():
    codes = {invite_code_generate() for _ in range(500)}
    assert len(codes) > 490
    assert all(PATTERN.match(code) and set(code) <= set(ALPHABET) for code in codes)
    assert not set("ILOU") & set(ALPHABET)


@pytest.mark.parametrize(("raw", "expected"), [(" ab12cd ", "AB12CD"), ("o0il1x", "00111X"), ("\tK2M9Q7\n", "K2M9Q7")])
def test_normalize_trims_uppercases_and_maps_look_alikes(raw, expected):
    assert invite_code_normalize(raw) == expected


def test_user_create_retries_on_an_invite_code_collision(monkeypatch, new_phone):
    taken = UserFactory()
    codes = iter([taken.invite_code, "ZZZZZZ"])
    monkeypatch.setattr("users.models.invite_code_generate", lambda: next(codes))

    user = user_create(phone=new_phone())

    assert user.invite_code == "ZZZZZZ"
    assert User.objects.filter(invite_code="ZZZZZZ").count() == 1


def test_user_get_or_create_returns_the_existing_user(new_phone):
    existing = UserFactory(phone=new_phone())
    result = user_get_or_create(phone=existing.phone)
    assert result.user.pk == existing.pk and result.is_new is False


def test_activate_links_the_user_to_the_code_owner_and_counts_the_referral():
    owner, user = UserFactory(), UserFactory()

    invite_code_activate(user=user, code=f"  {owner.invite_code.lower()} ")

    user.refresh_from_db()
    owner.refresh_from_db()
    assert user.referred_by_id == owner.pk
    assert user.activated_at is not None and user.activated_at <= timezone.now()
    assert owner.referrals_count == 1


def test_activate_reads_look_alike_letters_as_digits():
    owner = UserFactory(invite_code="A0B1C1")
    user = UserFactory()
    invite_code_activate(user=user, code="aOblcI")
    user.refresh_from_db()
    assert user.referred_by_id == owner.pk


@pytest.mark.parametrize("code", ["ZZZZZZ", "", "A", "ABCDEFG", "ab-12c", "ЖЖЖЖЖЖ", "' OR 1=1 --"])
def test_activate_unknown_or_malformed_code_is_not_found_and_counted(code):
    user = UserFactory()

    with pytest.raises(InviteCodeNotFound):
        invite_code_activate(user=user, code=code)

    user.refresh_from_db()
    assert user.referred_by_id is None and user.activated_at is None
    assert InviteActivationFailure.objects.filter(user=user).count() == 1


def test_activate_own_code_is_refused():
    user = UserFactory()
    with pytest.raises(InviteCodeIsOwn):
        invite_code_activate(user=user, code=user.invite_code)
    user.refresh_from_db()
    assert user.referred_by_id is None and user.referrals_count == 0


def test_activate_refuses_a_cycle_at_any_depth():
    a, b, c, d = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    invite_code_activate(user=b, code=a.invite_code)  # b → a
    invite_code_activate(user=c, code=b.invite_code)  # c → b → a
    invite_code_activate(user=d, code=c.invite_code)  # d → c → b → a

    for downstream in (b, c, d):
        with pytest.raises(InviteCodeCycle):
            invite_code_activate(user=a, code=downstream.invite_code)

    a.refresh_from_db()
    assert a.referred_by_id is None
    assert InviteActivationFailure.objects.filter(user=a).count() == 3


def test_activate_allows_a_code_from_another_chain():
    a, b, x = UserFactory(), UserFactory(), UserFactory()
    invite_code_activate(user=b, code=a.invite_code)
    invite_code_activate(user=a, code=x.invite_code)  # a joins x: b → a → x, no cycle
    a.refresh_from_db()
    assert a.referred_by_id == x.pk


def test_activate_twice_is_a_conflict_and_changes_nothing():
    first, second, user = UserFactory(), UserFactory(), UserFactory()
    invite_code_activate(user=user, code=first.invite_code)

    with pytest.raises(InviteCodeAlreadyActivated):
        invite_code_activate(user=user, code=second.invite_code)

    user.refresh_from_db()
    second.refresh_from_db()
    assert user.referred_by_id == first.pk
    assert second.referrals_count == 0


def test_ten_failed_activations_an_hour_lock_further_attempts(settings):
    owner, user = UserFactory(), UserFactory()
    for _ in range(10):
        with pytest.raises(InviteCodeNotFound):
            invite_code_activate(user=user, code="ZZZZZZ")

    with pytest.raises(TooManyActivationAttempts) as excinfo:
        invite_code_activate(user=user, code=owner.invite_code)

    assert 3590 <= excinfo.value.retry_after <= 3600
    user.refresh_from_db()
    assert user.referred_by_id is None


def test_failed_activations_older_than_an_hour_do_not_count():
    owner, user = UserFactory(), UserFactory()
    InviteActivationFailure.objects.bulk_create(
        [InviteActivationFailure(user=user, created_at=timezone.now() - timezone.timedelta(minutes=61))] * 10
    )
    invite_code_activate(user=user, code=owner.invite_code)
    user.refresh_from_db()
    assert user.referred_by_id == owner.pk


def test_database_refuses_self_referral_and_orphan_activation_time():
    from django.db import IntegrityError, transaction

    user = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=user.pk).update(referred_by=user, activated_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=user.pk).update(activated_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=user.pk).update(phone="89161234567")
