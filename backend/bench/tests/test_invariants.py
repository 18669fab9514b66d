"""The benchmark's seed keeps every data rule, and the invariants check catches broken rows."""

import pytest
from django.core.management import call_command
from django.db import connection

from bench.invariants import invariants_rows
from users.invite_codes import PATTERN
from users.models import User
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SELF_REFERRAL, CYCLES, COUNTS, PAIRED = 3, 4, 9, 8


def violations() -> dict[int, int]:
    with connection.cursor() as cursor:
        return {n: v for n, _, v in invariants_rows(cursor, max_attempts=5)}


def test_seed_writes_data_that_keeps_every_invariant(tmp_path):
    call_command(
        "bench_seed", "--out", str(tmp_path), "--referrals", "500", "--hubs", "3", "--patchers", "20",
        "--verify-phones", "10",
    )  # fmt: skip

    assert set(violations().values()) == {0}
    popular = User.objects.get(phone="+79990000000")
    referrals = User.objects.filter(referred_by=popular)
    assert popular.referrals_count == referrals.count() == 500
    # Distinct activation times: cursor pages are keyset ranges, never offsets.
    assert referrals.values("activated_at").distinct().count() == 500
    assert all(PATTERN.match(code) for code in User.objects.values_list("invite_code", flat=True))
    assert User.objects.count() == 2 + 500 + 3 + 20
    assert len((tmp_path / "patch.txt").read_text().splitlines()) == 20
    assert len((tmp_path / "verify.txt").read_text().splitlines()) == 10


def test_invariants_count_self_referrals_cycles_and_wrong_counts():
    a, b, c = UserFactory(), UserFactory(), UserFactory()
    assert set(violations().values()) == {0}
    with connection.cursor() as cursor:
        # The database refuses these rows; drop the guards inside the test's transaction (rolled back).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks may block ALTER TABLE
        cursor.execute("ALTER TABLE users_user DROP CONSTRAINT user_no_self_referral")
        cursor.execute("ALTER TABLE users_user DROP CONSTRAINT user_referral_has_activation_time")
        cursor.execute("UPDATE users_user SET referred_by_id = id, activated_at = now() WHERE id = %s", [a.pk])
        cursor.execute("UPDATE users_user SET referred_by_id = %s, activated_at = now() WHERE id = %s", [c.pk, b.pk])
        cursor.execute("UPDATE users_user SET referred_by_id = %s WHERE id = %s", [b.pk, c.pk])

    found = violations()

    assert found[SELF_REFERRAL] == 1
    assert found[CYCLES] == 3  # a alone, and b <-> c
    assert found[COUNTS] == 3  # nobody's referrals_count was kept
    assert found[PAIRED] == 1  # c has a referrer but no activation time
