"""POST /api/invites/{code}/open/ and GET /api/profile/stats/: the share link's funnel, over the API."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from common.models import RateCounter
from events.models import Event, EventType
from users.models import InviteOpen, User
from users.services import invite_code_activate, user_get_or_create
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def open_link(client, code, visitor):
    return client.post(f"/api/invites/{code}/open/", {"visitor": visitor}, format="json")


def client_for(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return api_client


# ---- POST /api/invites/{code}/open/ ----


def test_opening_a_link_is_counted_once_per_browser(api_client):
    inviter = UserFactory(invite_code="AB12CD")
    browser = str(uuid.uuid4())

    first = open_link(api_client, "AB12CD", browser)
    again = open_link(api_client, " ab12cd ".strip(), browser)  # the code is read as the activation reads it

    assert (first.status_code, again.status_code) == (204, 204)
    assert first.content == again.content == b""
    assert list(InviteOpen.objects.values_list("inviter_id", "visitor")) == [(inviter.pk, uuid.UUID(browser))]
    (event,) = Event.objects.filter(type=EventType.INVITE_OPENED)
    assert event.subject_id == inviter.pk and event.payload["code"] == "AB12CD"


def test_each_browser_is_one_open(api_client):
    inviter = UserFactory()
    for _ in range(3):
        assert open_link(api_client, inviter.invite_code, str(uuid.uuid4())).status_code == 204
    assert InviteOpen.objects.filter(inviter=inviter).count() == 3 == Event.objects.count()


@pytest.mark.parametrize("code", ["ZZZZZZ", "AB12C", "nope!"])
def test_opening_an_unknown_link_is_404_invite_code_not_found(api_client, code):
    UserFactory(invite_code="AB12CD")

    response = open_link(api_client, code, str(uuid.uuid4()))

    assert response.status_code == 404
    assert response.json() == {"detail": "Invite code not found.", "code": "invite_code_not_found"}
    assert not InviteOpen.objects.exists() and not Event.objects.exists()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"visitor": "not-a-uuid"}, "visitor_invalid"),
        ({"visitor": 42}, "visitor_invalid"),
        ({}, "required"),
        ({"visitor": None}, "null"),
    ],
)
def test_an_open_needs_a_browser_id(api_client, body, code):
    inviter = UserFactory()

    response = api_client.post(f"/api/invites/{inviter.invite_code}/open/", body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == code and response.json()["codes"] == {"visitor": [code]}
    assert not InviteOpen.objects.exists()


def test_opens_are_capped_per_client_address(api_client, settings):
    settings.THROTTLE_INVITE_OPEN = "2/hour"
    inviter = UserFactory()

    statuses = [open_link(api_client, inviter.invite_code, str(uuid.uuid4())).status_code for _ in range(3)]
    refused = open_link(api_client, inviter.invite_code, str(uuid.uuid4()))

    assert statuses == [204, 204, 429]
    assert refused.json()["code"] == "ip_rate_limit" and refused["Retry-After"] == str(refused.json()["retry_after"])
    assert InviteOpen.objects.count() == 2
    assert RateCounter.objects.get(key__startswith="invite-open:ip:3600:127.0.0.1").count == 2


def test_opens_are_capped_per_network_too(api_client, settings):
    settings.THROTTLE_INVITE_OPEN, settings.THROTTLE_INVITE_OPEN_NETWORK = "5/hour", "2/hour"
    inviter = UserFactory()

    def from_address(address):
        return api_client.post(
            f"/api/invites/{inviter.invite_code}/open/",
            {"visitor": str(uuid.uuid4())},
            format="json",
            REMOTE_ADDR=address,
        )

    statuses = [from_address(f"203.0.113.{host}").status_code for host in (1, 2, 3)]
    elsewhere = from_address("198.51.100.7")

    assert statuses == [204, 204, 429]
    assert elsewhere.status_code == 204
    assert InviteOpen.objects.count() == 3
    # The refused address's own count was taken back with the refusal (common.ratelimit.rate_limit_hits).
    refused = RateCounter.objects.filter(key__startswith="invite-open:ip:3600:203.0.113.3")
    assert list(refused.values_list("count", flat=True)) == [0]


def test_opening_costs_a_fixed_number_of_queries(api_client, django_assert_num_queries):
    inviter = UserFactory()
    browser = str(uuid.uuid4())
    # the throttle (the address's and the network's counters, one statement); the code's owner; savepoint,
    # insert ... on conflict, the event and the webhook endpoints it goes to (none here), release.
    with django_assert_num_queries(7):
        assert open_link(api_client, inviter.invite_code, browser).status_code == 204
    # a repeat: the throttle's one, the owner, savepoint, the insert that does nothing, release.
    with django_assert_num_queries(5):
        assert open_link(api_client, inviter.invite_code, browser).status_code == 204


# ---- GET /api/profile/stats/ ----


def test_stats_need_a_signed_in_user(api_client):
    response = api_client.get("/api/profile/stats/")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_stats_of_a_new_user_are_thirty_utc_days_of_zeros_ending_today(api_client):
    user = UserFactory()

    body = client_for(api_client, user).get("/api/profile/stats/").json()

    today = timezone.now().astimezone(UTC).date()
    assert body["totals"] == {"opens": 0, "sign_ups": 0, "activations": 0}
    assert [day["date"] for day in body["days"]] == [str(today - timedelta(days=n)) for n in range(29, -1, -1)]
    assert all(day["opens"] == day["sign_ups"] == day["activations"] == 0 for day in body["days"])


def test_stats_count_my_links_opens_sign_ups_and_activations_by_utc_day(api_client):
    me, someone_else = UserFactory(), UserFactory()
    today = timezone.now().astimezone(UTC).date()
    midnight = datetime.combine(today, datetime.min.time(), tzinfo=UTC)
    # Two opens today, one a second before today (UTC), one 40 days ago (in the totals only); another's link's.
    for opened_at in [midnight, midnight + timedelta(hours=1), midnight - timedelta(seconds=1)]:
        InviteOpen.objects.create(inviter=me, visitor=uuid.uuid4(), opened_at=opened_at)
    InviteOpen.objects.create(inviter=me, visitor=uuid.uuid4(), opened_at=midnight - timedelta(days=40))
    InviteOpen.objects.create(inviter=someone_else, visitor=uuid.uuid4(), opened_at=midnight)
    joined = user_get_or_create(phone="+79167770001", invite_code=me.invite_code).user
    user_get_or_create(phone="+79167770002", invite_code=someone_else.invite_code)
    invite_code_activate(user=joined, code=me.invite_code)
    invite_code_activate(user=UserFactory(), code=me.invite_code)  # a typed code counts as an activation too
    me.refresh_from_db()

    body = client_for(api_client, me).get("/api/profile/stats/").json()

    assert body["totals"] == {"opens": 4, "sign_ups": 1, "activations": 2}
    by_date = {day["date"]: day for day in body["days"]}
    assert by_date[str(today)] == {"date": str(today), "opens": 2, "sign_ups": 1, "activations": 2}
    assert by_date[str(today - timedelta(days=1))] == {
        "date": str(today - timedelta(days=1)),
        "opens": 1,
        "sign_ups": 0,
        "activations": 0,
    }
    assert sum(day["opens"] for day in body["days"]) == 3


def test_stats_cost_two_queries_however_many_referrals(api_client, django_assert_num_queries):
    me = UserFactory()
    day = timezone.now() - timedelta(days=3)
    InviteOpen.objects.bulk_create(
        InviteOpen(inviter=me, visitor=uuid.uuid4(), opened_at=day - timedelta(minutes=n)) for n in range(500)
    )
    User.objects.bulk_create(
        User(phone=f"+7906{n:07d}", invite_code=f"Q{n:05d}", joined_via=me, date_joined=day) for n in range(300)
    )
    client = client_for(api_client, me)
    with django_assert_num_queries(2):  # the access token's user; one UNION ALL of the five counts
        body = client.get("/api/profile/stats/").json()
    assert body["totals"]["opens"] == 500 and body["totals"]["sign_ups"] == 300


def test_stats_days_are_utc_dates(api_client, monkeypatch):
    user = UserFactory()
    # 23:30 UTC is already tomorrow in Moscow: the last day is still the UTC one.
    fixed = datetime(2026, 12, 3, 23, 30, tzinfo=UTC)
    monkeypatch.setattr("users.selectors.timezone.now", lambda: fixed)

    body = client_for(api_client, user).get("/api/profile/stats/").json()

    assert body["days"][-1]["date"] == str(date(2026, 12, 3)) and body["days"][0]["date"] == "2026-11-04"
