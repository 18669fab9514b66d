"""The admin's referral reports: the program's funnel per day and the top referrers, through the real admin views."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from users.models import InviteOpen, User
from users.services import invite_code_activate, user_get_or_create
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FUNNEL = "/admin/users/user/funnel/"
TOP = "/admin/users/user/top-referrers/"


@pytest.fixture
def staff_client(client):
    client.force_login(User.objects.create_superuser(phone="+79990000001", password="a-long-admin-password"))
    return client


@pytest.fixture
def program():
    """Two referrers: A (3 opens, 2 sign-ups through the link, 2 activations today), B (1 open, 1 activation)."""
    a, b = UserFactory(invite_code="AAAAAA"), UserFactory(invite_code="BBBBBB")
    for _ in range(3):
        InviteOpen.objects.create(inviter=a, visitor=uuid.uuid4())
    InviteOpen.objects.create(inviter=b, visitor=uuid.uuid4())
    for n in range(2):
        invitee = user_get_or_create(phone=f"+7916555000{n}", invite_code="AAAAAA").user
        invite_code_activate(user=invitee, code="AAAAAA")
    invite_code_activate(user=UserFactory(), code="BBBBBB")
    return a, b


def rows_of(response):
    return response.context["rows"]


def test_the_users_list_links_to_both_reports(staff_client):
    page = staff_client.get("/admin/users/user/").content.decode()
    assert FUNNEL in page and TOP in page


def test_top_referrers_rank_by_activations_with_opens_sign_ups_and_conversion(staff_client, program):
    a, b = program

    response = staff_client.get(TOP)

    assert response.status_code == 200
    rows = rows_of(response)
    assert [(r.invite_code, r.opens, r.sign_ups, r.activations) for r in rows] == [
        ("AAAAAA", 3, 2, 2),
        ("BBBBBB", 1, 0, 1),
    ]
    assert rows[0].conversion == pytest.approx(2 / 3) and rows[0].sign_up_rate == pytest.approx(2 / 3)
    page = response.content.decode()
    assert a.phone in page and "67 %" in page  # 2 activations of 3 opens


def test_the_funnel_counts_the_whole_program_per_utc_day(staff_client, program):
    response = staff_client.get(FUNNEL)

    assert response.status_code == 200
    rows = rows_of(response)
    assert rows["totals"] == {"opens": 4, "sign_ups": 2, "activations": 3}
    today = timezone.now().astimezone(UTC).date()
    assert len(rows["days"]) == 30 and rows["days"][0].date == today  # newest first
    assert (rows["days"][0].opens, rows["days"][0].sign_ups, rows["days"][0].activations) == (4, 2, 3)


def test_reports_cover_the_chosen_days_only(staff_client, program):
    a, _ = program
    long_ago = datetime(2026, 1, 10, 12, tzinfo=UTC)
    InviteOpen.objects.filter(inviter=a).update(opened_at=long_ago)
    User.objects.filter(referred_by=a).update(activated_at=long_ago)
    User.objects.filter(joined_via=a).update(date_joined=long_ago)

    funnel = rows_of(staff_client.get(FUNNEL, {"start": "2026-01-10", "end": "2026-01-10"}))
    top = rows_of(staff_client.get(TOP, {"start": "2026-01-10", "end": "2026-01-11"}))
    recent = rows_of(staff_client.get(TOP))

    assert [(d.date.isoformat(), d.opens, d.sign_ups, d.activations) for d in funnel["days"]] == [
        ("2026-01-10", 3, 2, 2)
    ]
    assert [(r.invite_code, r.opens, r.sign_ups, r.activations) for r in top] == [("AAAAAA", 3, 2, 2)]
    assert [r.invite_code for r in recent] == ["BBBBBB"]


@pytest.mark.parametrize(
    "query", [{"start": "2026-02-01", "end": "2026-01-01"}, {"start": "2020-01-01", "end": "2026-01-01"}, {"end": "x"}]
)
def test_a_bad_period_shows_the_form_again_without_a_report(staff_client, query):
    response = staff_client.get(FUNNEL, query)
    assert response.status_code == 200 and "rows" not in response.context
    assert response.context["form"].errors
    assert f'value="{query.get("end", "")}"' in response.content.decode()  # what was typed stays in the form


def test_reports_are_for_staff_only(client, program):
    client.force_login(UserFactory())
    assert client.get(FUNNEL).status_code == 302  # to the admin's sign-in
    assert client.get(TOP).status_code == 302


def test_reports_cost_a_fixed_number_of_queries(staff_client, program, django_assert_num_queries):
    # session, user; then the funnel: one UNION ALL query.
    with django_assert_num_queries(3):
        staff_client.get(FUNNEL)
    # session, user; then the ranking, and one UNION ALL of the top referrers' opens and sign-ups.
    with django_assert_num_queries(4):
        staff_client.get(TOP)
    # More referrers and more days of data cost no more queries.
    for n in range(20):
        invite_code_activate(user=UserFactory(), code=UserFactory().invite_code)
        InviteOpen.objects.create(
            inviter=program[1], visitor=uuid.uuid4(), opened_at=timezone.now() - timedelta(days=n)
        )
    with django_assert_num_queries(3):
        staff_client.get(FUNNEL)
    with django_assert_num_queries(4):
        staff_client.get(TOP)
