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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone

from common.db.prepared import prepared_cursor
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


def rate_limit_hits(caps: Sequence[tuple[str, int, int]], *, now: datetime | None = None) -> list[RateDecision]:
    """Count one request against each cap (key, limit, window seconds), in order, all or none.

    Returns the caps' decisions up to the first refusal (all of them when every cap allowed the request). A refused
    request counts nowhere: the first cap that refuses stops it, and the hits of the caps before it are taken back.
    A refused cap's row isn't touched, so a flood on one cap doesn't spend the caps after it.

    On PostgreSQL this is one statement: each cap's upsert runs only if the one before it counted (a data-modifying
    CTE each, chained by EXISTS), so an allowed request costs one round trip instead of a transaction's four. When
    a later cap refuses, a second statement takes back the earlier hits. Until it has, those caps' counts are one
    too high, which can refuse nothing that wouldn't be refused anyway: the caps here are an address's and its
    network's, counted in that order, and a network that refused stays full until its window ends. Elsewhere (make
    run on SQLite) it is rate_limit_hit per cap in one transaction, which a refusal rolls back.
    """
    now = now or timezone.now()
    if connection.vendor != "postgresql":
        return _rate_limit_hits_in_transaction(caps, now=now)
    # A cap of 0 refuses everything without a statement; the caps before it are counted, then taken back.
    zero = next((i for i, (_, limit, _) in enumerate(caps) if limit < 1), len(caps))
    decisions = _rate_limit_hits_chained(caps[:zero], now=now) if zero else []
    if zero < len(caps) and all(d.allowed for d in decisions):
        if decisions:
            _rate_limit_hits_take_back(caps[:zero], now=now)
        key, _, window_seconds = caps[zero]
        decisions.append(rate_limit_hit(key=key, limit=0, window_seconds=window_seconds, now=now))
    return decisions


def _rate_limit_hits_in_transaction(caps, *, now: datetime) -> list[RateDecision]:
    decisions = []
    with transaction.atomic():
        for key, limit, window_seconds in caps:
            decisions.append(rate_limit_hit(key=key, limit=limit, window_seconds=window_seconds, now=now))
            if not decisions[-1].allowed:
                transaction.set_rollback(True)  # the hits before it are taken back with the block
                break
    return decisions


def _rate_limit_hits_chained(caps, *, now: datetime) -> list[RateDecision]:
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    ctes, params, windows = [], [], []
    for i, (key, limit, window_seconds) in enumerate(caps):
        window_start, window_end = _window(now, window_seconds)
        windows.append(max(0.0, (window_end - now).total_seconds()))
        source = "SELECT %s, %s, %s, 1" + (f" WHERE EXISTS (SELECT 1 FROM hit{i - 1})" if i else "")
        ctes.append(
            f"hit{i} AS (INSERT INTO {table} (key, window_start, expires_at, count) {source} "
            f"ON CONFLICT (key, window_start) DO UPDATE SET count = {table}.count + 1 WHERE {table}.count < %s "
            "RETURNING count)"
        )
        params += [
            key,
            connection.ops.adapt_datetimefield_value(window_start),
            connection.ops.adapt_datetimefield_value(window_end),
            limit,
        ]
    counts = ", ".join(f"(SELECT count FROM hit{i})" for i in range(len(caps)))
    # Prepared (once per connection and number of caps): planning the chained upserts cost PostgreSQL about as much
    # as running them.
    with prepared_cursor() as cursor:
        cursor.execute(f"WITH {', '.join(ctes)} SELECT {counts}", params)
        row = cursor.fetchone()
    decisions = []
    for (_, limit, _), count, retry_after in zip(caps, row, windows, strict=True):
        if count is None:
            decisions.append(RateDecision(allowed=False, count=limit, retry_after=retry_after))
            if decisions[:-1]:
                _rate_limit_hits_take_back(caps[: len(decisions) - 1], now=now)
            break
        decisions.append(RateDecision(allowed=True, count=count, retry_after=retry_after))
    return decisions


def _rate_limit_hits_take_back(caps, *, now: datetime) -> None:
    """Take back one hit of each cap, counted a moment ago in its current window (one UPDATE)."""
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    match, params = [], []
    for key, _, window_seconds in caps:
        match.append("(key = %s AND window_start = %s)")
        params += [key, connection.ops.adapt_datetimefield_value(_window(now, window_seconds)[0])]
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET count = count - 1 WHERE count > 0 AND ({' OR '.join(match)})", params)


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
