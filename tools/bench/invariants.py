"""Check the data invariants the schema can't enforce (invariants.sql) of a database and print them as a table.

    python tools/bench/invariants.py [DATABASE_URL]     (default: $DATABASE_URL)

Exit status 0 when every rule holds, 1 when one is broken, 2 when the database can't be reached.
"""

import os
import sys
from pathlib import Path

import dj_database_url
import psycopg2

SQL = (Path(__file__).with_name("invariants.sql")).read_text()


def invariants_rows(cursor, *, max_attempts: int) -> list[tuple[int, str, int]]:
    """Rows (n, rule, violations), one per rule, read through a DB-API cursor (psycopg2's or Django's)."""
    cursor.execute(SQL.replace(":max_attempts", "%(max_attempts)s"), {"max_attempts": max_attempts})
    return [(int(n), rule, int(v)) for n, rule, v in cursor.fetchall()]


def invariants_check(database_url: str, *, max_attempts: int | None = None) -> list[tuple[int, str, int]]:
    """Rows (n, rule, violations), one per rule, of the database at `database_url`."""
    if max_attempts is None:
        max_attempts = int(os.environ.get("OTP_MAX_ATTEMPTS") or 5)
    cfg = dj_database_url.parse(database_url)
    conn = psycopg2.connect(
        dbname=cfg["NAME"],
        user=cfg.get("USER") or None,
        password=cfg.get("PASSWORD") or None,
        host=cfg.get("HOST") or None,
        port=cfg.get("PORT") or None,
        connect_timeout=10,
    )
    try:
        with conn.cursor() as cur:
            # A consistent snapshot of the whole database for every rule.
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            return invariants_rows(cur, max_attempts=max_attempts)
    finally:
        conn.close()


def invariants_table(rows: list[tuple[int, str, int]]) -> str:
    """A markdown table of the rows."""
    lines = ["| # | invariant | violations | result |", "|---|---|---:|---|"]
    lines += [f"| {n} | {rule} | {v} | {'ok' if v == 0 else 'BROKEN'} |" for n, rule, v in rows]
    return "\n".join(lines)


def main() -> int:
    url = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("DATABASE_URL", "")
    if not url:
        print("usage: invariants.py DATABASE_URL (or set DATABASE_URL)", file=sys.stderr)
        return 2
    try:
        rows = invariants_check(url)
    except psycopg2.OperationalError as exc:
        print(f"invariants: the database does not answer: {str(exc).strip().splitlines()[0]}", file=sys.stderr)
        return 2
    print(f"Invariants of {cfg_name(url)}:")
    print(invariants_table(rows))
    broken = sum(1 for *_, v in rows if v)
    print(f"{len(rows) - broken} hold, {broken} broken")
    return 1 if broken else 0


def cfg_name(url: str) -> str:
    return dj_database_url.parse(url)["NAME"]


if __name__ == "__main__":
    sys.exit(main())
