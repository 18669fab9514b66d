"""The sign-in's reads and writes that run on every code request, each one hand-written statement on PostgreSQL.

A code request ran 21 statements, most of them built by the ORM: compiling them cost more CPU than PostgreSQL spent
running them, and 300 simultaneous sign-ins queued on that CPU before their sends. Here the reads that follow the
phone's lock are one statement, the send's record and the code's status one, the conversion watch's reads one;
each is prepared once per connection (common/db/prepared.py). The rules are services.py's, unchanged: these
functions only fetch and write what it decides on. Other databases (make run on SQLite) get the same answers from
the ORM (services.py passes its own functions as the fallback).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from authentication.models import OtpCode, OtpFailure, SendStatus, SmsBlock, SmsMessage
from common.db.prepared import prepared_cursor


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def live_code_lock(*, phone: str) -> int | None:
    """Lock the phone's live code row, if any, and return its id (services._lock_live_code, without the model)."""
    with prepared_cursor() as cursor:
        cursor.execute(
            f"SELECT o.id FROM {_table(OtpCode)} o WHERE o.phone = %s AND o.is_active ORDER BY o.id LIMIT 1 FOR UPDATE",
            [phone],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def code_insert(*, code: OtpCode) -> int:
    """Insert the new, unsaved `code` (every column given, as the model's defaults would set them); its id."""
    columns = ("phone", "country", "prefix", "send_status", "code_hash", "challenge_hash", "digits", "created_at")
    columns += ("expires_at", "attempts", "open_attempts", "is_active", "used_at")
    with prepared_cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_table(OtpCode)} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
            "RETURNING id",
            [getattr(code, column) for column in columns],
        )
        return cursor.fetchone()[0]


@dataclass(frozen=True)
class SendChecks:
    blocked: bool  # a block (not lifted) of the number's prefix or country
    failures_today: int  # wrong codes entered in the last 24 h, up to the daily limit
    sends: list[datetime]  # the codes counted toward the phone's limits, newest first, up to the daily limit


def send_checks(
    *, phone: str, prefix: str, country: str, since: datetime, in_flight_since: datetime, failures: int, sends: int
) -> SendChecks:
    """One statement: is the prefix or country blocked, how many wrong codes since `since` (at most `failures`),
    and when the counted codes went out since `since` (sent, or still sending since `in_flight_since`; at most
    `sends`)."""
    sql = f"""
        SELECT EXISTS (SELECT 1 FROM {_table(SmsBlock)} b WHERE b.lifted_at IS NULL
                       AND ((b.kind = %s AND b.value = %s) OR (b.kind = %s AND b.value = %s))),
               (SELECT count(*) FROM (SELECT 1 FROM {_table(OtpFailure)} f
                                      WHERE f.phone = %s AND f.created_at > %s LIMIT %s) recent),
               ARRAY(SELECT o.created_at FROM {_table(OtpCode)} o
                     WHERE o.phone = %s AND o.created_at > %s
                       AND (o.send_status = %s OR (o.send_status = %s AND o.created_at > %s))
                     ORDER BY o.created_at DESC LIMIT %s)
    """
    params = [
        SmsBlock.Kind.PREFIX.value,
        prefix,
        SmsBlock.Kind.COUNTRY.value,
        country or None,  # no country: no country block applies
        phone,
        since,
        failures,
        phone,
        since,
        SendStatus.SENT.value,
        SendStatus.PENDING.value,
        in_flight_since,
        sends,
    ]
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        blocked, failures_today, sent = cursor.fetchone()
    return SendChecks(blocked=blocked, failures_today=failures_today, sends=list(sent))


def send_record(*, otp_id: int, messages: list[SmsMessage], sent: bool) -> None:
    """One statement: the SmsMessage rows of a send, and the code marked sent (if it was still sending) or, when no
    provider took it, failed and retired."""
    columns = ("otp_id", "phone", "country", "provider", "provider_message_id", "status", "latency_ms", "error")
    columns += ("error_code", "created_at")
    values, params = [], []
    for message in messages:
        values.append("(" + ", ".join(["%s"] * len(columns)) + ")")
        params += [getattr(message, column) for column in columns]
    if sent:
        update = (
            f"UPDATE {_table(OtpCode)} SET send_status = %s WHERE id = %s AND send_status = %s",
            [SendStatus.SENT.value, otp_id, SendStatus.PENDING.value],
        )
    else:
        update = (
            f"UPDATE {_table(OtpCode)} SET send_status = %s, is_active = false WHERE id = %s",
            [SendStatus.FAILED.value, otp_id],
        )
    sql = update[0]
    if values:
        sql = (
            f"WITH recorded AS (INSERT INTO {_table(SmsMessage)} ({', '.join(columns)}) VALUES {', '.join(values)}) "
            + sql
        )
    with prepared_cursor() as cursor:
        cursor.execute(sql, params + update[1])


@dataclass(frozen=True)
class WatchCounts:
    """For the number's prefix and (if watched) its country: whether it is blocked already, and the codes sent and
    used since its window's start (24 h ago, or its newest lift if later)."""

    prefix_blocked: bool
    prefix_since: datetime
    prefix_sent: int
    prefix_verified: int
    country_blocked: bool
    country_since: datetime | None
    country_sent: int
    country_verified: int


def conversion_watch_counts(*, prefix: str, country: str | None, day_ago: datetime) -> WatchCounts:
    """One statement: the blocks of the prefix and country (lifted or not), and the codes counted since each one's
    window start, an index range scan per part on the (prefix|country, created_at) indexes. A part already blocked
    counts nothing. `country` None: the country isn't watched."""
    codes = _table(OtpCode)
    sql = f"""
        WITH blocks AS (
            SELECT b.kind, b.lifted_at FROM {_table(SmsBlock)} b
            WHERE (b.kind = %(prefix_kind)s AND b.value = %(prefix)s)
               OR (b.kind = %(country_kind)s AND b.value = %(country)s)
        ), windows AS (
            SELECT coalesce(bool_or(kind = %(prefix_kind)s AND lifted_at IS NULL), false) AS prefix_blocked,
                   greatest(%(day_ago)s, max(lifted_at) FILTER (WHERE kind = %(prefix_kind)s)) AS prefix_since,
                   coalesce(bool_or(kind = %(country_kind)s AND lifted_at IS NULL), false) AS country_blocked,
                   greatest(%(day_ago)s, max(lifted_at) FILTER (WHERE kind = %(country_kind)s)) AS country_since
            FROM blocks
        )
        SELECT w.prefix_blocked, w.prefix_since, p.sent, p.verified,
               w.country_blocked, w.country_since, c.sent, c.verified
        FROM windows w
        CROSS JOIN LATERAL (
            SELECT count(*) AS sent, count(*) FILTER (WHERE o.used_at IS NOT NULL) AS verified FROM {codes} o
            WHERE NOT w.prefix_blocked AND o.prefix = %(prefix)s AND o.created_at > w.prefix_since
              AND o.send_status = %(sent)s
        ) p
        CROSS JOIN LATERAL (
            SELECT count(*) AS sent, count(*) FILTER (WHERE o.used_at IS NOT NULL) AS verified FROM {codes} o
            WHERE NOT w.country_blocked AND o.country = %(country)s AND o.created_at > w.country_since
              AND o.send_status = %(sent)s
        ) c
    """
    params = {
        "prefix_kind": SmsBlock.Kind.PREFIX.value,
        "country_kind": SmsBlock.Kind.COUNTRY.value,
        "prefix": prefix,
        "country": country,
        "day_ago": day_ago,
        "sent": SendStatus.SENT.value,
    }
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return WatchCounts(*row)
