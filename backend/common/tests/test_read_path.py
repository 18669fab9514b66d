"""The read path (common/read_path.py): GET /api/profile/ answered before the write-only middleware and DRF, with
the full path's answer, and everything it doesn't serve left to the full path unchanged."""

import json
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from authentication.tokens import SessionPrincipal, TokenOwner
from users.apis import ProfileApi
from users.models import User
from users.selectors import profile_read, profile_read_statement
from users.services import invite_code_activate
from users.tests.factories import UserFactory, referrals_bulk_create

pytestmark = pytest.mark.django_db

FULL_PATH = "/api/profile/?full"  # a query string: DRF ignores it, the read path leaves such requests alone


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {AccessToken.for_user(user)}"}


@pytest.fixture
def user_with_referrals():
    referrer, user = UserFactory(), UserFactory()
    invite_code_activate(user=user, code=referrer.invite_code)
    referrals_bulk_create(referrer=user, count=3)
    return user


@pytest.mark.parametrize("accept_language", ["en", "ru"])
def test_the_read_path_answers_exactly_what_the_full_path_does(client, user_with_referrals, accept_language):
    headers = {**bearer(user_with_referrals), "HTTP_ACCEPT_LANGUAGE": accept_language}

    fast = client.get("/api/profile/", **headers)
    with mock.patch.object(ProfileApi, "read_path", return_value=None) as skipped:
        full = client.get("/api/profile/", **headers)
    assert skipped.called

    assert (fast.status_code, full.status_code) == (200, 200)
    assert fast.content == full.content
    assert dict(fast.headers) == dict(full.headers)
    assert fast.json()["activated_your_code_count"] == 3


def test_the_read_path_runs_one_query_and_not_the_view(client, user_with_referrals, django_assert_num_queries):
    with mock.patch.object(ProfileApi, "get", side_effect=AssertionError("the full path ran")):
        with django_assert_num_queries(1):
            response = client.get("/api/profile/", **bearer(user_with_referrals))

    assert response.status_code == 200
    assert response.json()["phone"] == user_with_referrals.phone


@pytest.mark.parametrize(
    ("token", "path", "accept", "status"),
    [
        (None, "/api/profile/", None, 401),
        ("not-a-token", "/api/profile/", None, 401),
        ("valid", "/api/profile/", "text/html", 406),  # DRF's negotiation refuses it
        ("valid", "/api/profile/", "application/json; indent=4", 200),  # DRF's renderer indents
        ("valid", FULL_PATH, None, 200),
    ],
)
def test_what_the_read_path_does_not_serve_goes_the_full_way(client, token, path, accept, status):
    headers = {}
    if token:
        headers["HTTP_AUTHORIZATION"] = "Bearer " + (
            str(AccessToken.for_user(UserFactory())) if token == "valid" else token
        )
    if accept:
        headers["HTTP_ACCEPT"] = accept
    with mock.patch("users.apis.profile_read", wraps=profile_read) as read:
        with mock.patch.object(ProfileApi, "read_path", wraps=ProfileApi.read_path) as read_path:
            response = client.get(path, **headers)

    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    if status == 401:
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
        assert response.json()["code"] in {"not_authenticated", "token_not_valid"}
    if status == 406:
        assert response.json()["code"] == "not_acceptable"
    if accept and "indent" in accept:
        assert b'\n    "phone"' in response.content
    # The read path was asked (except with a query string) and declined: DRF's view answered.
    assert read_path.call_count == (0 if "?" in path else 1)
    assert read.call_count == (1 if status == 200 else 0)


def test_a_refused_session_is_answered_by_the_full_path_at_the_cost_of_its_query(client, django_assert_num_queries):
    user = UserFactory(is_active=False)

    with django_assert_num_queries(2):  # the read path's query finds the user inactive; the full path's says so
        response = client.get("/api/profile/", **bearer(user))

    assert (response.status_code, response.json()) == (401, {"detail": "User is inactive", "code": "user_inactive"})


def prepared_after_reads(client, user, reads: int, columns: str) -> list[tuple]:
    """`columns` of pg_prepared_statements after `reads` profile reads of `user` on a connection that had none."""
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    for _ in range(reads):
        response = client.get("/api/profile/", **bearer(user))
        assert response.status_code == 200 and response.json()["phone"] == user.phone
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM pg_prepared_statements")
        return cursor.fetchall()


def test_the_profile_statement_is_prepared_once_per_connection(client, user_with_referrals):
    prepared = prepared_after_reads(client, user_with_referrals, 3, "statement")

    assert len(prepared) == 1 and "p.referred_by_id = u.id" in prepared[0][0], prepared


def test_without_prepared_statements_the_profile_is_read_all_the_same(client, user_with_referrals):
    """DB_PREPARED_STATEMENTS=false (a pooler that can't keep them): the connection's prepare_threshold is None."""
    connection.ensure_connection()
    connection.connection.prepare_threshold = None
    try:
        assert prepared_after_reads(client, user_with_referrals, 3, "statement") == []
        assert client.get("/api/profile/", **bearer(user_with_referrals)).json()["activated_your_code_count"] == 3
    finally:
        connection.connection.prepare_threshold = 0


@pytest.fixture
def popular_referrer():
    """30,000 users who activated one early user's code, ANALYZEd: the bench's skew, which is what the planner's
    choices for the profile's statement depend on."""
    popular = UserFactory()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO users_user (password, is_superuser, phone, invite_code, referrals_count, is_staff, is_active,"
            " date_joined, referred_by_id, activated_at) SELECT '!', false, '+7902' || lpad(g::text, 7, '0'),"
            " 'S' || lpad(g::text, 5, '0'), 0, false, true, now(), %s, now() FROM generate_series(1, 30000) g",
            [popular.pk],
        )
        cursor.execute("ANALYZE users_user")
    return popular


def test_the_profile_of_someone_a_new_user_invited_reads_a_handful_of_rows(popular_referrer):
    """The referrer's code is a primary-key lookup: as a LEFT JOIN the planner walked the primary key from its start
    to the referrer's id (21 ms with 120,000 users for someone the newest user invited)."""
    newest = User.objects.order_by("-id").first()
    invited = UserFactory()
    User.objects.filter(pk=invited.pk).update(referred_by=newest, activated_at=timezone.now())
    principal = SessionPrincipal(TokenOwner(user_id=invited.pk, family_id=None))
    sql, params = profile_read_statement(session=principal)

    with connection.cursor() as cursor:
        # The merge join the planner chose on the bench's data, whatever this data's statistics suggest: a statement
        # with no join to choose reads a handful of rows all the same.
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute("SET LOCAL enable_hashjoin = off")
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0][0]["Plan"]
        cursor.execute("RESET enable_nestloop")
        cursor.execute("RESET enable_hashjoin")

    def rows_read(node) -> int:
        return node.get("Actual Rows", 0) * node.get("Actual Loops", 1) + sum(map(rows_read, node.get("Plans", [])))

    assert rows_read(plan) < 20, json.dumps(plan, indent=1)
    assert profile_read(session=principal).foreign_invite_code == newest.invite_code


def test_the_prepared_profile_statement_is_planned_once_not_on_every_read(client, popular_referrer):
    """After its first five executions PostgreSQL keeps a generic plan if it doesn't look costlier than the custom
    ones. With the referral LIMIT a parameter, the generic plan's estimate (a tenth of the popular user's referrals)
    did, so every read was planned anew."""
    plans = prepared_after_reads(client, UserFactory(), 10, "generic_plans, custom_plans")

    assert plans == [(5, 5)]  # planned 5 times to compare, then the generic plan kept
