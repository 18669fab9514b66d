"""Request caps counted in the database: one atomic statement per request, exact under any concurrency.

A cap is a key (a client address, a network) allowed `limit` requests per fixed window of `window_seconds`,
the windows aligned to the epoch (an hour's window runs 12:00–13:00). Fixed windows rather than sliding ones
because they keep the count exact with one statement: the price is that a client can spend one window's budget
at its end and the next at its start, so up to twice the limit in a short time around a boundary.

The counters are rows of `RateCounter` in PostgreSQL, the one state every process and machine already shares
(a Redis INCR would do the same job, but would be one more service to run and back up). Each request is
one `INSERT … ON CONFLICT DO UPDATE … WHERE count < limit`: PostgreSQL locks the conflicting row and
re-checks the WHERE against its newest version, so concurrent requests queue on the row and exactly `limit`
of them get it back. Rows are disposable: deleting any of them only lifts that cap early.
"""

import itertools
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import timezone

from common.models import RateCounter

# DRF's rate strings, which THROTTLE_* settings have always used: "20/hour", "5/m", "100/day".
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*([smhd])[a-z]*\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    count: int  # requests counted in this window, this one included; when refused, the limit
    retry_after: float  # seconds until the window ends: when a refused key can be allowed again


def parse_rate(rate: str) -> tuple[int, int]:
    """ "20/hour" → (20, 3600): the number of requests and the window in seconds (N/second|minute|hour|day)."""
    match = _RATE.match(rate or "")
    if not match:
        raise ImproperlyConfigured(f"A rate must look like 20/hour (N/second|minute|hour|day), got {rate!r}")
    return int(match.group(1)), _PERIODS[match.group(2).lower()]


def _window(now: datetime, window_seconds: int) -> tuple[datetime, datetime]:
    start = math.floor(now.timestamp() / window_seconds) * window_seconds
    window_start = datetime.fromtimestamp(start, tz=UTC)
    return window_start, window_start + timedelta(seconds=window_seconds)


def rate_limit_hit(*, key: str, limit: int, window_seconds: int, now: datetime | None = None) -> RateDecision:
    """Count one request for `key` unless `limit` requests were already counted in the current window.

    One SQL statement. A refused request isn't counted, so a flood doesn't push the cap's end further away.
    Outside a transaction (autocommit) the hit is committed at once and the row is locked only during the
    statement. Inside `transaction.atomic()` the hit belongs to that transaction: a rollback undoes it (callers
    use this to refund a hit when a later check refuses the request), and the key's row stays locked until the
    transaction ends, so concurrent hits on the key wait for it: keep such transactions short.

    A key must always be counted with the same `window_seconds` (put the window in the key if it may change).
    The window is read from this machine's clock; machines' clocks are assumed in step (NTP): a skew only moves
    hits near a window's boundary into the neighbouring window.
    """
    now = now or timezone.now()
    window_start, window_end = _window(now, window_seconds)
    retry_after = max(0.0, (window_end - now).total_seconds())
    if limit < 1:
        return RateDecision(allowed=False, count=0, retry_after=retry_after)
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key, window_start, expires_at, count) VALUES (%s, %s, %s, 1) "
            f"ON CONFLICT (key, window_start) DO UPDATE SET count = {table}.count + 1 "
            f"WHERE {table}.count < %s "
            "RETURNING count",
            [
                key,
                connection.ops.adapt_datetimefield_value(window_start),
                connection.ops.adapt_datetimefield_value(window_end),
                limit,
            ],
        )
        row = cursor.fetchone()
    if row is None:  # the WHERE refused the update: the window's budget is spent
        return RateDecision(allowed=False, count=limit, retry_after=retry_after)
    return RateDecision(allowed=True, count=row[0], retry_after=retry_after)


def rate_count(*, key: str, window_seconds: int, now: datetime | None = None) -> int:
    """How many requests `key` has counted in the current window (0 when none): a read, nothing is counted."""
    window_start, _ = _window(now or timezone.now(), window_seconds)
    row = RateCounter.objects.filter(key=key, window_start=window_start).values_list("count", flat=True).first()
    return row or 0


def rate_count_sql(*, key: str, window_seconds: int, now: datetime | None = None) -> tuple[str, list]:
    """rate_count as a scalar subquery and its parameters, for a statement that reads it beside other things."""
    window_start, _ = _window(now or timezone.now(), window_seconds)
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    return (
        f"coalesce((SELECT c.count FROM {table} c WHERE c.key = %s AND c.window_start = %s), 0)",
        [key, connection.ops.adapt_datetimefield_value(window_start)],
    )


def rate_counters_purge(*, now: datetime | None = None) -> int:
    """Delete the counters of windows that have ended (one DELETE on the expires_at index); returns how many."""
    deleted, _ = RateCounter.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


_calls = itertools.count(1)


def rate_counters_purge_now_and_then() -> int:
    """Purge ended windows on every RATE_COUNTER_PURGE_EVERY-th call in this process (0: never), so the table
    holds roughly the live windows without a scheduled job. Returns how many rows went."""
    every = settings.RATE_COUNTER_PURGE_EVERY
    if every and next(_calls) % every == 0:
        return rate_counters_purge()
    return 0
