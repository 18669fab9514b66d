"""Pick the database of `make run` and print its URL on stdout; say what was chosen in one line on stderr.

DATABASE_URL set: that database. A PostgreSQL database that doesn't exist yet is created; a server
that can't be reached is one line and exit 1 (no fallback: it was asked for).
DATABASE_URL unset: the local PostgreSQL database `referral` (created if missing) when a server answers
on 127.0.0.1:5432, else the SQLite file backend/db.sqlite3.
"""

import os
import sys
from pathlib import Path

import dj_database_url
import psycopg2
from psycopg2 import errors, sql

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/referral"
SQLITE_PATH = Path(__file__).resolve().parent.parent / "db.sqlite3"


def say(message: str) -> None:
    print(message, file=sys.stderr)


def first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or ["no answer"])[0]


def ensure_postgres_database(url: str) -> str:
    """Create the database of `url` if it doesn't exist. Returns 'created' or 'exists'.

    Raises psycopg2.OperationalError when the server can't be reached (or refuses the login).
    """
    config = dj_database_url.parse(url)
    conn = psycopg2.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        connect_timeout=2,
    )
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
            if cur.fetchone():
                return "exists"
            try:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
            except errors.DuplicateDatabase:
                return "exists"  # created by someone else meanwhile
            return "created"
    finally:
        conn.close()


def describe(url: str) -> str:
    config = dj_database_url.parse(url)
    return f"PostgreSQL database {config['NAME']} at {config.get('HOST') or 'localhost'}:{config.get('PORT') or 5432}"


def main() -> int:
    explicit = os.environ.get("DATABASE_URL", "").strip()
    url = explicit or DEFAULT_POSTGRES_URL
    if not url.startswith(("postgres://", "postgresql://")):
        say(f"Database: {url}")
        print(url)
        return 0
    try:
        state = ensure_postgres_database(url)
    except psycopg2.OperationalError as exc:
        if explicit:
            say(f"Can't use {describe(url)} ({first_line(exc)}). Start PostgreSQL or fix DATABASE_URL.")
            return 1
        say(
            f"Database: the SQLite file backend/{SQLITE_PATH.name}; no usable PostgreSQL at 127.0.0.1:5432 "
            f"({first_line(exc)}). Set DATABASE_URL to choose."
        )
        print(f"sqlite:///{SQLITE_PATH}")
        return 0
    except psycopg2.Error as exc:  # e.g. the role may not create databases
        say(f"Can't create {describe(url)} ({first_line(exc)}). Create it or fix DATABASE_URL.")
        return 1
    say(f"Database: {describe(url)}{' (created it now)' if state == 'created' else ''}")
    print(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
