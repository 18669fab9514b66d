"""Invite activation, sign-up and link opens under real concurrency: parallel threads and HTTP requests to a live
server on PostgreSQL."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from rest_framework_simplejwt.tokens import AccessToken

from common.tests.helpers import run_at_once
from events.models import Event, EventType
from users.models import InviteOpen, User
from users.services import user_get_or_create
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def patch_code(live_server, user, code):
    headers = {"Authorization": f"Bearer {AccessToken.for_user(user)}"}
    return lambda s: s.patch(f"{live_server.url}/api/profile/", json={"foreign_invite_code": code}, headers=headers)


def test_twelve_parallel_activations_with_different_codes_succeed_once(live_server):
    user = UserFactory()
    owners = UserFactory.create_batch(12)

    responses = run_at_once([patch_code(live_server, user, owner.invite_code) for owner in owners])

    assert sorted(r.status_code for r in responses) == [200] + [409] * 11
    user.refresh_from_db()
    winner = next(r for r in responses if r.status_code == 200).json()["foreign_invite_code"]
    assert user.referred_by.invite_code == winner
    assert sorted(User.objects.filter(pk__in=[o.pk for o in owners]).values_list("referrals_count", flat=True)) == (
        [0] * 11 + [1]
    )


@pytest.mark.parametrize("attempt", range(5))
def test_two_users_activating_each_others_codes_at_once_never_both_succeed(live_server, attempt):
    a, b = UserFactory(), UserFactory()

    responses = run_at_once([patch_code(live_server, a, b.invite_code), patch_code(live_server, b, a.invite_code)])

    assert sorted(r.status_code for r in responses) == [200, 400]
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.referred_by_id == b.pk) != (b.referred_by_id == a.pk)


@pytest.mark.parametrize("attempt", range(5))
def test_a_cycle_through_longer_chains_cannot_be_closed_from_both_ends(live_server, attempt):
    # Chains: c → b and d → a. "a joins c" and "b joins d" are each fine alone,
    # together they would close a → c → b → d → a.
    a, b = UserFactory(), UserFactory()
    c, d = (
        UserFactory(referred_by=b, activated_at="2026-01-01T00:00Z"),
        UserFactory(referred_by=a, activated_at="2026-01-01T00:00Z"),
    )

    responses = run_at_once([patch_code(live_server, a, c.invite_code), patch_code(live_server, b, d.invite_code)])

    assert sorted(r.status_code for r in responses) == [200, 400]
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.referred_by_id is None) != (b.referred_by_id is None)


def test_many_users_activating_one_code_at_once_are_all_counted(live_server):
    owner = UserFactory()
    users = UserFactory.create_batch(25)

    responses = run_at_once([patch_code(live_server, user, owner.invite_code) for user in users])

    assert all(r.status_code == 200 for r in responses)
    owner.refresh_from_db()
    assert owner.referrals_count == 25 == User.objects.filter(referred_by=owner).count()


@pytest.mark.parametrize("attempt", range(3))
def test_one_phone_signing_up_in_many_threads_at_once_is_one_user_and_one_signed_up_event(attempt):
    inviter = UserFactory()
    threads = 8
    barrier = threading.Barrier(threads)

    def sign_up(_):
        try:
            barrier.wait(timeout=30)
            return user_get_or_create(phone="+79169990001", invite_code=inviter.invite_code)
        finally:
            connection.close()  # each thread has its own connection: give it back before the test database goes

    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(sign_up, range(threads)))

    assert sorted(result.is_new for result in results) == [False] * (threads - 1) + [True]
    (user,) = User.objects.filter(phone="+79169990001")
    assert {result.user.pk for result in results} == {user.pk} and user.joined_via_id == inviter.pk
    (event,) = Event.objects.filter(type=EventType.USER_SIGNED_UP)
    assert event.subject_id == user.pk


def test_one_browser_opening_a_link_many_times_at_once_is_one_open_and_one_event(live_server):
    inviter = UserFactory()
    visitor = str(uuid.uuid4())
    url = f"{live_server.url}/api/invites/{inviter.invite_code}/open/"

    responses = run_at_once([lambda s: s.post(url, json={"visitor": visitor})] * 12)

    assert [r.status_code for r in responses] == [204] * 12
    assert InviteOpen.objects.filter(inviter=inviter).count() == 1
    assert Event.objects.filter(type=EventType.INVITE_OPENED).count() == 1
