"""The benchmark's seed keeps every data rule, and the invariants check catches broken rows."""

from datetime import timedelta

import pytest
from authentication.models import OtpCode
from bench_seed import bench_seed
from django.db import connection
from django.utils import timezone
from invariants import invariants_rows
from users.invite_codes import PATTERN
from users.models import User
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CYCLES, COUNTS, ATTEMPTS, USED_AND_LIVE = 1, 2, 3, 4
MAX_ATTEMPTS = 5


def violations() -> dict[int, int]:
    with connection.cursor() as cursor:
        return {n: v for n, _, v in invariants_rows(cursor, max_attempts=MAX_ATTEMPTS)}


def test_seed_writes_data_that_keeps_every_invariant(tmp_path):
    bench_seed(out=tmp_path, referrals=500, hubs=3, patchers=20, verify_phones=10)

    assert violations() == {CYCLES: 0, COUNTS: 0, ATTEMPTS: 0, USED_AND_LIVE: 0}
    popular = User.objects.get(phone="+79990000000")
    referrals = User.objects.filter(referred_by=popular)
    assert popular.referrals_count == referrals.count() == 500
    # Distinct activation times: cursor pages are keyset ranges, never offsets.
    assert referrals.values("activated_at").distinct().count() == 500
    assert all(PATTERN.match(code) for code in User.objects.values_list("invite_code", flat=True))
    assert User.objects.count() == 2 + 500 + 3 + 20
    assert len((tmp_path / "patch.txt").read_text().splitlines()) == 20
    assert len((tmp_path / "verify.txt").read_text().splitlines()) == 10
    assert OtpCode.objects.filter(phone__startswith="+7995", is_active=True).count() == 10


def test_seed_refuses_a_database_already_seeded(tmp_path):
    bench_seed(out=tmp_path, referrals=2, hubs=1, patchers=1, verify_phones=1)

    with pytest.raises(SystemExit, match="already seeded"):
        bench_seed(out=tmp_path, referrals=2, hubs=1, patchers=1, verify_phones=1)


def test_invariants_count_cycles_and_wrong_counts():
    a, b, c = UserFactory(), UserFactory(), UserFactory()
    assert set(violations().values()) == {0}
    with connection.cursor() as cursor:
        # A one-user cycle needs the self-referral CHECK gone (inside the test's transaction, rolled back).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks may block ALTER TABLE
        cursor.execute("ALTER TABLE users_user DROP CONSTRAINT user_no_self_referral")
        cursor.execute("UPDATE users_user SET referred_by_id = id, activated_at = now() WHERE id = %s", [a.pk])
        # b <-> c is a cycle every constraint of the schema allows: only the services prevent it.
        cursor.execute("UPDATE users_user SET referred_by_id = %s, activated_at = now() WHERE id = %s", [c.pk, b.pk])
        cursor.execute("UPDATE users_user SET referred_by_id = %s, activated_at = now() WHERE id = %s", [b.pk, c.pk])

    found = violations()

    assert found[CYCLES] == 3  # a alone, and b <-> c
    assert found[COUNTS] == 3  # nobody's referrals_count was kept


def test_invariants_count_codes_tried_too_often_and_used_codes_still_live():
    now = timezone.now()
    expires = now + timedelta(minutes=5)
    OtpCode.objects.create(phone="+79161110001", code_hash="x", expires_at=expires, attempts=MAX_ATTEMPTS)
    OtpCode.objects.create(phone="+79161110002", code_hash="x", expires_at=expires, open_attempts=MAX_ATTEMPTS)
    assert set(violations().values()) == {0}
    OtpCode.objects.create(phone="+79161110003", code_hash="x", expires_at=expires, attempts=MAX_ATTEMPTS + 1)
    OtpCode.objects.create(phone="+79161110004", code_hash="x", expires_at=expires, open_attempts=MAX_ATTEMPTS + 1)
    OtpCode.objects.create(phone="+79161110005", code_hash="x", expires_at=expires, used_at=now, is_active=True)
    OtpCode.objects.create(phone="+79161110006", code_hash="x", expires_at=expires, used_at=now, is_active=False)

    found = violations()

    assert found[ATTEMPTS] == 2
    assert found[USED_AND_LIVE] == 1
