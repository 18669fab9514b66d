"""Exit 0 if the PostgreSQL server behind DATABASE_URL answers, else print one clear line and exit 1."""

import os
import sys

import dj_database_url
import psycopg2

url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/referral")
config = dj_database_url.parse(url)
try:
    psycopg2.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        connect_timeout=3,
    ).close()
except psycopg2.OperationalError as exc:
    where = f"{config.get('HOST') or 'localhost'}:{config.get('PORT') or 5432}"
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else "no answer"
    sys.exit(f"PostgreSQL is not reachable at {where} ({reason}). Start it or set DATABASE_URL.")
