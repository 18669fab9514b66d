"""The admin's referral screens and reports with 100k referrals: the same query counts, and each answer's time
printed (run with -s).

Seeded with INSERT ... SELECT generate_series (a couple of seconds), then ANALYZEd as a live database would be. The
timings are a recorded measurement, not an assertion (a busy machine would make one flake); the query counts are.
"""

import time
from datetime import UTC, timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from users.invite_codes import ALPHABET
from users.models import User

pytestmark = pytest.mark.django_db

REFERRERS = 1_000
REFERRALS = 100_000
OPENS = 150_000
DAYS = 90
USERS_LIST_QUERIES = 4  # the session, its user, the page's count, the page


def _code(expression: str) -> str:
    """SQL for a 6-character invite code made from the integer `expression` (base 32 in the codes' alphabet)."""
    digits = [f"substr('{ALPHABET}', (({expression}) / {32**k} % 32)::int + 1, 1)" for k in range(5, -1, -1)]
    return " || ".join(digits)


def seed() -> int:
    """REFERRERS users; REFERRALS users who activated one of their codes (6 in 7 of them signed up through the
    link) over DAYS days; OPENS opens of their links. Returns the first referrer's id."""
    table, opens = User._meta.db_table, "users_inviteopen"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table} (password, is_superuser, phone, invite_code, referrals_count, is_staff, is_active,
                                     date_joined)
                SELECT '!', false, '+7900' || lpad(g::text, 7, '0'), {_code("g")}, 0, false, true,
                       now() - interval '120 days'
                FROM generate_series(1, {REFERRERS}) g RETURNING id"""
        )
        first = min(row[0] for row in cursor.fetchall())
        # Referrer of invitee g: skewed, so that the top of the ranking stands out (r = g*g mod REFERRERS).
        cursor.execute(
            f"""INSERT INTO {table} (password, is_superuser, phone, invite_code, referrals_count, is_staff, is_active,
                                     referred_by_id, activated_at, joined_via_id, date_joined)
                SELECT '!', false, '+7901' || lpad(g::text, 7, '0'), {_code(f"g + {REFERRERS}")}, 0, false, true,
                       {first} + (g::bigint * g % {REFERRERS}), at,
                       CASE WHEN g % 7 <> 0 THEN {first} + (g::bigint * g % {REFERRERS}) END, at - interval '1 hour'
                FROM (SELECT g, now() - (g % {DAYS}) * interval '1 day' - (g % 86400) * interval '1 second' AS at
                      FROM generate_series(1, {REFERRALS}) g) seeded"""
        )
        cursor.execute(
            f"""UPDATE {table} u SET referrals_count = c.n
                FROM (SELECT referred_by_id, count(*) n FROM {table} WHERE referred_by_id IS NOT NULL
                      GROUP BY 1) c WHERE u.id = c.referred_by_id"""
        )
        cursor.execute(
            f"""INSERT INTO {opens} (inviter_id, visitor, opened_at)
                SELECT {first} + (g::bigint * g % {REFERRERS}), md5(g::text)::uuid,
                       now() - (g % {DAYS}) * interval '1 day' - (g % 80000) * interval '1 second'
                FROM generate_series(1, {OPENS}) g"""
        )
        cursor.execute(f"ANALYZE {table}")
        cursor.execute(f"ANALYZE {opens}")
    return first


def _days_ago(n: int) -> str:
    return (timezone.now().astimezone(UTC).date() - timedelta(days=n)).isoformat()


def timed(call, repeat: int = 5) -> float:
    call()  # warm: the first request of a process loads templates and URL patterns
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def test_reports_and_stats_with_100k_referrals(client, api_client, django_assert_num_queries):
    seed()
    client.force_login(User.objects.create_superuser(phone="+79990000001", password="a-long-admin-password"))
    top = User.objects.order_by("-referrals_count").first()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(top)}")
    referral = User.objects.filter(referred_by=top).first()
    screens = {
        "admin users list": (USERS_LIST_QUERIES, lambda: client.get("/admin/users/user/")),
        "admin users list, most referrals first": (USERS_LIST_QUERIES, lambda: client.get("/admin/users/user/?o=-4")),
        "admin users list, searched by invite code": (
            USERS_LIST_QUERIES,
            lambda: client.get("/admin/users/user/", {"q": top.invite_code}),
        ),
        f"admin user page of the top referrer ({top.referrals_count} referrals)": (
            7,
            lambda: client.get(f"/admin/users/user/{top.pk}/change/"),
        ),
        "admin user page of one of its referrals": (
            9,  # and its referrer, read for each of the two links (referred_by, joined_via)
            lambda: client.get(f"/admin/users/user/{referral.pk}/change/"),
        ),
        "admin invite opens list": (4, lambda: client.get("/admin/users/inviteopen/")),
        "admin funnel, last 30 days": (3, lambda: client.get("/admin/users/user/funnel/")),
        "admin funnel, 90 days": (
            3,
            lambda: client.get("/admin/users/user/funnel/", {"start": _days_ago(89), "end": _days_ago(0)}),
        ),
        "admin top referrers, last 30 days": (4, lambda: client.get("/admin/users/user/top-referrers/")),
        "admin top referrers, 90 days": (
            4,
            lambda: client.get("/admin/users/user/top-referrers/", {"start": _days_ago(89), "end": _days_ago(0)}),
        ),
        f"GET /api/profile/stats/ of the top referrer ({top.referrals_count} referrals)": (
            2,
            lambda: api_client.get("/api/profile/stats/"),
        ),
    }
    report = []
    for name, (queries, call) in screens.items():
        call()  # the first request of a screen may fill a cache (content types), whichever test ran before
        with django_assert_num_queries(queries):
            response = call()
        assert response.status_code == 200, name
        report.append(f"{name}: {timed(call):.1f} ms, {queries} queries")
    rows = client.get("/admin/users/user/top-referrers/").context["rows"]
    assert rows[0].activations > rows[-1].activations > 0 and rows[0].opens > 0
    assert sum(day.activations for day in client.get("/admin/users/user/funnel/").context["rows"]["days"]) > 30_000
    print(f"\n{REFERRALS} referrals, {REFERRERS} referrers, {OPENS} opens (best of 5, test client, in-process):")
    print("\n".join(f"  {line}" for line in report))
