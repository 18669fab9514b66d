"""Seed a benchmark database in seconds: one user with N referrals, hubs, patchers, live sign-in codes.

Rows are written with `INSERT ... SELECT generate_series` (and one multi-row insert for the codes),
not through the ORM, but they satisfy every rule the services keep:
- phones are E.164 mobile numbers, unique (one range of numbers per kind of user);
- invite codes are 6 characters of Crockford's base32, unique: code k is `k * ODD mod 2**30` written
  in base 32, and multiplying by an odd number is a bijection modulo 2**30 = 32**6;
- `referred_by` and `activated_at` are set together, activation times are distinct (cursor pages);
- `referrals_count` equals the real count.

Then it writes, into --out, the files the load scripts read: access tokens (signed with this
process's JWT settings, so run it with the stack's environment) and the phones with a live code.

    .venv/bin/python tools/bench/bench_seed.py --out DIR [--referrals 100000] [--hubs 100] [--patchers 20000]
        [--verify-phones 20000]

It is the benchmark's, not the product's: it runs Django from backend/ (DJANGO_SETTINGS_MODULE, default
config.settings) but lives here, so that no app of the product has to import another to seed it.
"""

import argparse
import json
import os
import sys
from datetime import timedelta
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "backend"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()

from authentication.models import OtpCode  # noqa: E402
from authentication.services import otp_hash  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework_simplejwt.tokens import AccessToken  # noqa: E402
from users.invite_codes import ALPHABET, LENGTH  # noqa: E402
from users.models import User  # noqa: E402

ODD = 0x2545F491  # any odd multiplier works; this one scatters neighbouring k over the alphabet
CODE_SPACE = len(ALPHABET) ** LENGTH  # 2**30

# Phone ranges (all valid Russian mobile numbers): +7 999 popular/lonely, 998 referrals, 997 hubs,
# 996 patchers, 995 phones with a live code for /api/verify/. 994 is left for sign-in load.
POPULAR_PHONE = "+79990000000"
LONELY_PHONE = "+79990000001"


def _code_sql(k: str) -> str:
    """SQL expression: the invite code of number `k` (see the module docstring)."""
    v = f"mod(({k})::bigint * {ODD}, {CODE_SPACE})"
    chars = [f"substr('{ALPHABET}', (({v} >> {5 * i}) & 31)::int + 1, 1)" for i in reversed(range(LENGTH))]
    return " || ".join(chars)


def _insert_users(cursor, *, first_k: int, count: int, phone_prefix: str, referred_by: int | None, now) -> None:
    """`count` users numbered first_k.. (their codes), phones phone_prefix + 7 digits of n."""
    cursor.execute(
        f"""
        INSERT INTO {User._meta.db_table}
            (password, is_superuser, phone, invite_code, activated_at, referrals_count,
             is_staff, is_active, date_joined, referred_by_id)
        SELECT '!bench' || n, false, %s || lpad(n::text, 7, '0'), {_code_sql(f"{first_k} + n")},
               CASE WHEN %s::bigint IS NULL THEN NULL ELSE %s::timestamptz - n * interval '1 second' END,
               0, false, true, %s, %s
        FROM generate_series(0, %s - 1) AS n
        """,
        [phone_prefix, referred_by, now, now - timedelta(days=2), referred_by, count],
    )


def bench_seed(
    *, out: Path, referrals: int = 100_000, hubs: int = 100, patchers: int = 20_000, verify_phones: int = 20_000,
    code: str = "0000",
) -> dict:  # fmt: skip
    """Seed the database and write the load scripts' files into `out`; returns what seed.json holds.
    Raises SystemExit if the database is already seeded."""
    out.mkdir(parents=True, exist_ok=True)
    table = User._meta.db_table
    now = timezone.now()
    n_ref, n_hubs, n_patch = referrals, hubs, patchers

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE phone = %s", [POPULAR_PHONE])
        if cursor.fetchone()[0]:
            raise SystemExit("bench_seed: this database is already seeded (use a fresh one)")
        # k numbers the invite codes: 0 popular, 1 lonely, then referrals, hubs, patchers.
        _insert_users(cursor, first_k=0, count=2, phone_prefix="+7999", referred_by=None, now=now)
        cursor.execute(f"SELECT id FROM {table} WHERE phone = %s", [POPULAR_PHONE])
        popular_id = cursor.fetchone()[0]
        _insert_users(cursor, first_k=2, count=n_ref, phone_prefix="+7998", referred_by=popular_id, now=now)
        _insert_users(cursor, first_k=2 + n_ref, count=n_hubs, phone_prefix="+7997", referred_by=None, now=now)
        _insert_users(
            cursor, first_k=2 + n_ref + n_hubs, count=n_patch, phone_prefix="+7996", referred_by=None, now=now
        )
        cursor.execute(
            f"UPDATE {table} u SET referrals_count = r.n FROM "
            f"(SELECT referred_by_id, count(*) AS n FROM {table} WHERE referred_by_id IS NOT NULL "
            f"GROUP BY referred_by_id) r WHERE u.id = r.referred_by_id"
        )

        phones = [f"+7995{n:07d}" for n in range(verify_phones)]
        rows = [(p, otp_hash(phone=p, code=code), now, now + timedelta(hours=6)) for p in phones]
        if rows:
            cursor.execute(
                f"INSERT INTO {OtpCode._meta.db_table} (phone, code_hash, created_at, expires_at, attempts, "
                "is_active) SELECT p, h, c, e, 0, true FROM unnest(%s::text[], %s::text[], "
                "%s::timestamptz[], %s::timestamptz[]) AS t(p, h, c, e)",
                [list(col) for col in zip(*rows, strict=True)],
            )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}")
        cursor.execute(f"ANALYZE {OtpCode._meta.db_table}")

    def token(user_id: int) -> str:
        return str(AccessToken.for_user(User(pk=user_id, is_active=True)))

    users = dict(User.objects.filter(phone__in=[POPULAR_PHONE, LONELY_PHONE]).values_list("phone", "id"))
    hub_codes = list(
        User.objects.filter(phone__startswith="+7997").order_by("id").values_list("invite_code", flat=True)
    )
    patcher_ids = list(User.objects.filter(phone__startswith="+7996").order_by("id").values_list("id", flat=True))
    (out / "patch.txt").write_text(
        "".join(f"{token(uid)} {hub_codes[i % len(hub_codes)]}\n" for i, uid in enumerate(patcher_ids))
    )
    (out / "verify.txt").write_text("".join(f"{p} {code}\n" for p in phones))
    summary = {
        "popular_token": token(users[POPULAR_PHONE]),
        "lonely_token": token(users[LONELY_PHONE]),
        "users": User.objects.count(),
        "popular_referrals": n_ref,
        "hubs": n_hubs,
        "patchers": n_patch,
        "verify_phones": len(phones),
    }
    (out / "seed.json").write_text(json.dumps(summary, indent=2))
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description="Seed the benchmark's users, referrals and live sign-in codes.")
    parser.add_argument("--out", required=True, type=Path, help="directory for the files the load scripts read")
    parser.add_argument("--referrals", type=int, default=100_000, help="referrals of the popular user")
    parser.add_argument("--hubs", type=int, default=100, help="users whose codes the patchers activate")
    parser.add_argument("--patchers", type=int, default=20_000, help="users that each activate one code")
    parser.add_argument("--verify-phones", type=int, default=20_000, help="phones with a live code")
    parser.add_argument("--code", default="0000", help="the plain code of every seeded sign-in code")
    args = parser.parse_args()
    s = bench_seed(
        out=args.out, referrals=args.referrals, hubs=args.hubs, patchers=args.patchers,
        verify_phones=args.verify_phones, code=args.code,
    )  # fmt: skip
    print(
        f"bench_seed: {s['users']} users, one with {s['popular_referrals']} referrals, {s['hubs']} hubs, "
        f"{s['patchers']} patchers, {s['verify_phones']} live codes; files in {args.out}"
    )


if __name__ == "__main__":
    main()
