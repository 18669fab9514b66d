import base64

import pytest
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from users.models import InviteActivationFailure, User
from users.services import invite_code_activate
from users.tests.factories import UserFactory, referrals_bulk_create

pytestmark = pytest.mark.django_db


def client_for(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return api_client


def test_profile_requires_a_valid_access_token(api_client):
    assert api_client.get("/api/profile/").status_code == 401
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    response = api_client.get("/api/profile/")
    assert response.status_code == 401
    assert "detail" in response.json()


def test_profile_rejects_a_refresh_token_used_as_access(api_client):
    user = UserFactory()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user)}")
    assert api_client.get("/api/profile/").status_code == 401


def test_profile_of_a_new_user(api_client):
    user = UserFactory()

    response = client_for(api_client, user).get("/api/profile/")

    assert response.status_code == 200
    assert response.json() == {
        "phone": user.phone,
        "invite_code": user.invite_code,
        "foreign_invite_code": None,
        "activated_your_code": [],
        "activated_your_code_count": 0,
    }


def test_profile_shows_activated_code_and_referrals_newest_first(api_client):
    referrer, user = UserFactory(), UserFactory()
    invite_code_activate(user=user, code=referrer.invite_code)
    first, second = UserFactory(), UserFactory()
    invite_code_activate(user=first, code=user.invite_code)
    invite_code_activate(user=second, code=user.invite_code)

    body = client_for(api_client, user).get("/api/profile/").json()

    assert body["foreign_invite_code"] == referrer.invite_code
    assert body["activated_your_code"] == [second.phone, first.phone]
    assert body["activated_your_code_count"] == 2


def test_profile_lists_at_most_100_phones_and_the_full_count(api_client):
    user = UserFactory()
    referrals = referrals_bulk_create(referrer=user, count=150)

    body = client_for(api_client, user).get("/api/profile/").json()

    assert body["activated_your_code_count"] == 150
    assert len(body["activated_your_code"]) == 100
    assert body["activated_your_code"][0] == referrals[-1].phone


def test_profile_costs_the_same_queries_with_thousands_of_referrals(api_client, django_assert_num_queries):
    lonely, popular = UserFactory(), UserFactory()
    referrals_bulk_create(referrer=popular, count=3000)
    referrer = UserFactory()
    User.objects.filter(pk=lonely.pk).update(referred_by=referrer, activated_at=timezone.now())
    # One query: the user with the session's checks, the referrer's code and the newest 100 referral phones.
    with django_assert_num_queries(1):
        body = client_for(api_client, lonely).get("/api/profile/").json()
    assert (body["foreign_invite_code"], body["activated_your_code"]) == (referrer.invite_code, [])
    with django_assert_num_queries(1):
        body = client_for(api_client, popular).get("/api/profile/").json()
    assert body["activated_your_code_count"] == 3000 and len(body["activated_your_code"]) == 100


def test_patch_activates_a_code_and_returns_the_whole_profile(api_client):
    owner, user = UserFactory(), UserFactory()

    response = client_for(api_client, user).patch(
        "/api/profile/", {"foreign_invite_code": f" {owner.invite_code.lower()} "}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["foreign_invite_code"] == owner.invite_code
    assert response.json()["phone"] == user.phone
    owner_body = client_for(api_client, owner).get("/api/profile/").json()
    assert owner_body["activated_your_code"] == [user.phone]
    assert owner_body["activated_your_code_count"] == 1


def test_patch_ignores_read_only_fields(api_client):
    owner, user = UserFactory(), UserFactory()
    response = client_for(api_client, user).patch(
        "/api/profile/",
        {
            "phone": "+79990000000",
            "invite_code": "AAAAAA",
            "activated_your_code": ["+79990000001"],
            "activated_your_code_count": 5,
            "foreign_invite_code": owner.invite_code,
        },
        format="json",
    )
    assert response.status_code == 200
    saved = User.objects.get(pk=user.pk)
    assert (saved.phone, saved.invite_code, saved.referrals_count) == (user.phone, user.invite_code, 0)


def test_patch_without_a_code_changes_nothing(api_client):
    user = UserFactory()
    response = client_for(api_client, user).patch("/api/profile/", {"phone": "+79990000000"}, format="json")
    assert response.status_code == 200
    assert response.json()["foreign_invite_code"] is None
    assert User.objects.get(pk=user.pk).phone == user.phone


@pytest.mark.parametrize("value", [None, 123456, ["AB12CD"], {"code": "AB12CD"}, "x" * 10_000])
def test_patch_rejects_wrong_types_with_a_field_error(api_client, value):
    user = UserFactory()
    response = client_for(api_client, user).patch("/api/profile/", {"foreign_invite_code": value}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"foreign_invite_code", "code", "codes"}
    assert User.objects.get(pk=user.pk).referred_by_id is None


def test_patch_errors(api_client):
    a, b = UserFactory(), UserFactory()
    invite_code_activate(user=b, code=a.invite_code)
    client = client_for(api_client, a)

    not_found = client.patch("/api/profile/", {"foreign_invite_code": "ZZZZZZ"}, format="json")
    own = client.patch("/api/profile/", {"foreign_invite_code": a.invite_code}, format="json")
    cycle = client.patch("/api/profile/", {"foreign_invite_code": b.invite_code}, format="json")

    assert not_found.status_code == own.status_code == cycle.status_code == 400
    assert not_found.json() == {
        "foreign_invite_code": ["Invite code not found."],
        "code": "invite_code_not_found",
        "codes": {"foreign_invite_code": ["invite_code_not_found"]},
    }
    assert own.json() == {
        "foreign_invite_code": ["You can't activate your own invite code."],
        "code": "invite_code_own",
        "codes": {"foreign_invite_code": ["invite_code_own"]},
    }
    assert cycle.json() == {
        "foreign_invite_code": ["This code belongs to someone who joined through your invitation."],
        "code": "invite_code_cycle",
        "codes": {"foreign_invite_code": ["invite_code_cycle"]},
    }
    assert User.objects.get(pk=a.pk).referred_by_id is None


def test_patch_second_activation_is_409(api_client):
    first, second, user = UserFactory(), UserFactory(), UserFactory()
    client = client_for(api_client, user)
    assert client.patch("/api/profile/", {"foreign_invite_code": first.invite_code}, format="json").status_code == 200

    response = client.patch("/api/profile/", {"foreign_invite_code": second.invite_code}, format="json")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "You have already activated an invite code.",
        "code": "invite_code_already_activated",
    }
    assert User.objects.get(pk=user.pk).referred_by_id == first.pk


def test_patch_brute_force_is_capped_at_ten_failures_an_hour(api_client):
    user = UserFactory()
    client = client_for(api_client, user)
    statuses = [
        client.patch("/api/profile/", {"foreign_invite_code": f"ZZZZ{i:02d}"}, format="json").status_code
        for i in range(12)
    ]
    assert statuses == [400] * 10 + [429] * 2
    response = client.patch("/api/profile/", {"foreign_invite_code": "ZZZZZZ"}, format="json")
    body = response.json()
    assert set(body) == {"detail", "code", "retry_after"}
    assert body["code"] == "invite_attempt_limit"
    assert body["detail"] == "Too many failed invite code attempts. Try again later."
    assert body["retry_after"] > 0 and response["Retry-After"] == str(body["retry_after"])
    assert InviteActivationFailure.objects.filter(user=user).count() == 10


def test_referrals_pages_newest_first_through_the_cursor(api_client):
    user = UserFactory()
    referrals = referrals_bulk_create(referrer=user, count=120)
    client = client_for(api_client, user)

    phones, url, pages = [], "/api/profile/referrals/", 0
    while url:
        body = client.get(url).json()
        assert set(body) == {"next", "previous", "results"}
        assert all(set(item) == {"phone", "activated_at"} for item in body["results"])
        phones += [item["phone"] for item in body["results"]]
        url, pages = body["next"], pages + 1

    assert pages == 3
    assert phones == [u.phone for u in reversed(referrals)]


def test_referrals_of_a_user_without_any(api_client):
    body = client_for(api_client, UserFactory()).get("/api/profile/referrals/").json()
    assert body == {"next": None, "previous": None, "results": []}


def test_referrals_reject_a_forged_cursor(api_client):
    response = client_for(api_client, UserFactory()).get("/api/profile/referrals/?cursor=%%%garbage")
    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid cursor", "code": "not_found"}


def test_referrals_pages_cost_the_same_queries_first_and_last(api_client, django_assert_num_queries):
    user = UserFactory()
    referrals_bulk_create(referrer=user, count=500)
    client = client_for(api_client, user)
    url = "/api/profile/referrals/"
    for _ in range(10):
        with django_assert_num_queries(2):  # auth, one page (keyset: WHERE activated_at < cursor LIMIT 51)
            body = client.get(url).json()
        url = body["next"]
    assert url is None


def test_activation_runs_a_fixed_number_of_queries(api_client, django_assert_num_queries):
    owner, user = UserFactory(), UserFactory()
    client = client_for(api_client, user)
    # auth; owner by code; chain top (recursive CTE); savepoint, lock both users (one query), failures in
    # the last hour, set referrer, count the referral, the invite.activated event and the webhook endpoints it
    # goes to (none here), release; the profile: referrer's code, referral phones.
    with django_assert_num_queries(13):
        response = client.patch("/api/profile/", {"foreign_invite_code": owner.invite_code}, format="json")
    assert response.json()["foreign_invite_code"] == owner.invite_code


@pytest.mark.parametrize(
    "decoded",
    [
        "forged",  # valid base64, no cursor fields at all: it used to answer the first page
        "p=not-a-date",  # a position that isn't an activation time: it used to reach the query
        "p=2026-11-27T08:00:00Z&x=1",  # a field this API never writes
        "o=1&r=2",  # reverse is 0 or 1
    ],
)
def test_referrals_reject_a_well_encoded_cursor_this_api_never_made(api_client, decoded):
    owner = UserFactory()
    referrals_bulk_create(referrer=owner, count=3)
    cursor = base64.b64encode(decoded.encode()).decode()

    response = client_for(api_client, owner).get("/api/profile/referrals/", {"cursor": cursor})

    assert response.status_code == 404, response.content
    assert response.json() == {"detail": "Invalid cursor", "code": "not_found"}
