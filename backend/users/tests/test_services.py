import uuid

import pytest
from django.utils import timezone

from events.models import Event, EventType
from users.exceptions import (
    InviteCodeAlreadyActivated,
    InviteCodeCycle,
    InviteCodeIsOwn,
    InviteCodeNotFound,
    InviteLinkNotFound,
    TooManyActivationAttempts,
)
from users.invite_codes import ALPHABET, PATTERN, invite_code_generate, invite_code_normalize
from users.models import InviteActivationFailure, InviteOpen, User
from users.services import invite_code_activate, invite_open, user_create, user_get_or_create
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


# ---- Events and attribution ----


def events(type_=None):
    queryset = Event.objects.order_by("created_at")
    return list(queryset.filter(type=type_) if type_ else queryset)


def test_first_sign_in_records_user_signed_up_in_its_transaction(new_phone):
    phone = new_phone()

    signed_in = user_get_or_create(phone=phone)

    user = signed_in.user
    assert signed_in.is_new and user.joined_via_id is None
    (event,) = events()
    assert (event.type, event.subject_id) == (EventType.USER_SIGNED_UP, user.pk)
    assert event.payload == {
        "user_id": user.pk,
        "phone": phone,
        "invite_code": user.invite_code,
        "invited_by_code": None,
        "signed_up_at": user.date_joined.isoformat().replace("+00:00", "Z"),
    }


def test_sign_up_through_a_link_records_whose_link_and_activates_nothing(new_phone):
    inviter = UserFactory(invite_code="AB12CD")

    user = user_get_or_create(phone=new_phone(), invite_code=" ab12cd ").user

    user.refresh_from_db()
    inviter.refresh_from_db()
    assert user.joined_via_id == inviter.pk
    assert user.referred_by_id is None and user.activated_at is None and inviter.referrals_count == 0
    (event,) = events()
    assert event.payload["invited_by_code"] == "AB12CD"
    assert not events(EventType.INVITE_ACTIVATED)


@pytest.mark.parametrize("code", ["ZZZZZZ", "AB12C", "!!!!!!", "", None, "x" * 100])
def test_an_unknown_or_malformed_link_code_is_ignored(new_phone, code):
    UserFactory(invite_code="AB12CD")

    signed_in = user_get_or_create(phone=new_phone(), invite_code=code)

    assert signed_in.is_new and signed_in.user.joined_via_id is None
    (event,) = events()
    assert event.payload["invited_by_code"] is None


def test_a_known_phone_signs_in_without_event_or_attribution(new_phone):
    inviter = UserFactory()
    user = user_create(phone=new_phone())

    signed_in = user_get_or_create(phone=user.phone, invite_code=inviter.invite_code)

    assert not signed_in.is_new
    user.refresh_from_db()
    assert user.joined_via_id is None
    assert not events()


def test_activation_records_invite_activated_about_the_inviter():
    inviter, invitee = UserFactory(), UserFactory()

    invite_code_activate(user=invitee, code=inviter.invite_code.lower())

    invitee.refresh_from_db()
    (event,) = events()
    assert (event.type, event.subject_id) == (EventType.INVITE_ACTIVATED, inviter.pk)
    assert event.payload == {
        "inviter_id": inviter.pk,
        "inviter_phone": inviter.phone,
        "invitee_id": invitee.pk,
        "invitee_phone": invitee.phone,
        "code": inviter.invite_code,
        "activated_at": invitee.activated_at.isoformat().replace("+00:00", "Z"),
    }


def test_a_refused_activation_records_no_event():
    user = UserFactory()
    with pytest.raises(InviteCodeNotFound):
        invite_code_activate(user=user, code="ZZZZZZ")
    with pytest.raises(InviteCodeIsOwn):
        invite_code_activate(user=user, code=user.invite_code)
    assert not events()


def test_an_open_is_recorded_once_per_browser_with_its_event():
    inviter = UserFactory()
    browser, other_browser = uuid.uuid4(), uuid.uuid4()

    first = invite_open(code=inviter.invite_code, visitor=browser)
    again = invite_open(code=inviter.invite_code.lower(), visitor=browser)
    other = invite_open(code=inviter.invite_code, visitor=other_browser)

    assert (first, again, other) == (True, False, True)
    assert sorted(InviteOpen.objects.filter(inviter=inviter).values_list("visitor", flat=True)) == sorted(
        [browser, other_browser]
    )
    opened = events(EventType.INVITE_OPENED)
    assert [(event.subject_id, event.payload["code"], event.payload["inviter_id"]) for event in opened] == [
        (inviter.pk, inviter.invite_code, inviter.pk)
    ] * 2
    assert opened[0].payload["opened_at"].endswith("Z")


@pytest.mark.parametrize("code", ["ZZZZZZ", "not-a-code", ""])
def test_opening_an_unknown_link_is_not_found_and_records_nothing(code):
    UserFactory()
    with pytest.raises(InviteLinkNotFound):
        invite_open(code=code, visitor=uuid.uuid4())
    assert not InviteOpen.objects.exists() and not events()
