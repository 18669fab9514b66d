"""common/ratelimit.py: atomic request counters in PostgreSQL."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction

from common.models import RateCounter
from common.ratelimit import (
    parse_rate,
    rate_count,
    rate_counters_purge,
    rate_counters_purge_now_and_then,
    rate_limit_hit,
    rate_limit_hits,
)

# 12:34:56 on some day: the hour's window runs 12:00–13:00.
NOW = datetime(2026, 3, 1, 12, 34, 56, tzinfo=UTC)
HOUR_START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def hit(key="k", limit=3, window_seconds=3600, now=NOW):
    return rate_limit_hit(key=key, limit=limit, window_seconds=window_seconds, now=now)


def counts() -> dict[tuple[str, datetime], int]:
    return {(row.key, row.window_start): row.count for row in RateCounter.objects.all()}


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [("20/hour", (20, 3600)), ("5/m", (5, 60)), ("1/second", (1, 1)), ("100/day", (100, 86400)), ("0/h", (0, 3600))],
)
def test_parse_rate_reads_drf_rate_strings(rate, parsed):
    assert parse_rate(rate) == parsed


@pytest.mark.parametrize("rate", ["", "20", "hour/20", "20/week", "-1/hour", "twenty/hour"])
def test_parse_rate_refuses_anything_else(rate):
    with pytest.raises(ImproperlyConfigured, match="20/hour"):
        parse_rate(rate)


@pytest.mark.django_db
def test_hit_allows_the_limit_then_refuses_without_counting_and_says_when_the_window_ends():
    decisions = [hit() for _ in range(5)]

    assert [(d.allowed, d.count) for d in decisions] == [(True, 1), (True, 2), (True, 3), (False, 3), (False, 3)]
    # 12:34:56 → the window ends at 13:00:00.
    assert {d.retry_after for d in decisions} == {25 * 60 + 4}
    # Refused hits leave the count at the limit.
    assert counts() == {("k", HOUR_START): 3}
    assert RateCounter.objects.get().expires_at == HOUR_START + timedelta(hours=1)


@pytest.mark.django_db
def test_hit_counts_each_key_and_each_window_apart():
    assert [hit().allowed for _ in range(4)] == [True, True, True, False]

    assert hit(key="other").allowed
    next_window = hit(now=HOUR_START + timedelta(hours=1))
    assert (next_window.allowed, next_window.count, next_window.retry_after) == (True, 1, 3600)
    assert counts() == {
        ("k", HOUR_START): 3,
        ("other", HOUR_START): 1,
        ("k", HOUR_START + timedelta(hours=1)): 1,
    }


@pytest.mark.django_db
def test_hit_with_a_limit_of_zero_refuses_everything_and_writes_nothing():
    decision = hit(limit=0)

    assert (decision.allowed, decision.count) == (False, 0)
    assert not RateCounter.objects.exists()


@pytest.mark.django_db
def test_hit_is_one_statement_whether_it_inserts_counts_or_refuses(django_assert_num_queries):
    for _ in range(3):  # insert, update, refuse
        with django_assert_num_queries(1):
            hit(limit=2)


@pytest.mark.django_db
def test_hit_inside_a_transaction_that_rolls_back_is_undone():
    hit()

    with pytest.raises(RuntimeError), transaction.atomic():
        assert hit().count == 2
        raise RuntimeError("a later check refused the request")

    assert counts() == {("k", HOUR_START): 1}
    assert hit().count == 2


@pytest.mark.django_db
def test_purge_deletes_ended_windows_only():
    hit(key="old", window_seconds=60, now=NOW - timedelta(minutes=2))
    hit(key="just-ended", window_seconds=60, now=NOW.replace(second=0) - timedelta(seconds=1))
    hit(key="live", window_seconds=60)
    hit(key="hour")

    assert rate_counters_purge(now=NOW) == 2

    assert {key for key, _ in counts()} == {"live", "hour"}


@pytest.mark.django_db
def test_purge_now_and_then_runs_on_every_nth_call(settings):
    RateCounter.objects.create(key="k", window_start=NOW, expires_at=NOW, count=1)
    settings.RATE_COUNTER_PURGE_EVERY = 0
    assert [rate_counters_purge_now_and_then() for _ in range(5)] == [0] * 5
    assert RateCounter.objects.exists()

    settings.RATE_COUNTER_PURGE_EVERY = 1
    assert rate_counters_purge_now_and_then() == 1
    assert not RateCounter.objects.exists()


def at_once(call, threads: int = 100) -> list:
    """`call()` in `threads` threads released together, each on its own connection (at most 30 open at once:
    PostgreSQL's max_connections is shared with the other tests' servers); their results."""
    barrier = threading.Barrier(threads)
    connections = threading.BoundedSemaphore(30)

    def one(_):
        barrier.wait(timeout=30)
        with connections:
            try:
                return call()
            finally:
                connection.close()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(one, range(threads)))


@pytest.mark.django_db(transaction=True)
def test_a_hundred_threads_on_one_key_get_exactly_the_limit():
    allowed = at_once(lambda: rate_limit_hit(key="crowd", limit=20, window_seconds=3600, now=NOW).allowed)

    assert allowed.count(True) == 20
    assert [row.count for row in RateCounter.objects.filter(key="crowd")] == [20]


@pytest.mark.django_db
def test_rate_count_reads_the_current_windows_count_without_counting():
    assert rate_count(key="peek", window_seconds=3600, now=NOW) == 0
    hit(key="peek")
    hit(key="peek")

    assert rate_count(key="peek", window_seconds=3600, now=NOW) == 2
    assert rate_count(key="peek", window_seconds=3600, now=NOW) == 2
    assert rate_count(key="peek", window_seconds=3600, now=NOW + timedelta(hours=1)) == 0


# ---- rate_limit_hits: several caps, all or none ----

# An address's cap (an hour) and its network's (a minute): 12:34:00–12:35:00.
MINUTE_START = datetime(2026, 3, 1, 12, 34, tzinfo=UTC)


def hits(address_limit=3, network_limit=5):
    return rate_limit_hits([("address", address_limit, 3600), ("network", network_limit, 60)], now=NOW)


@pytest.mark.django_db
def test_hits_count_every_cap_in_one_statement_each_in_its_own_window(django_assert_num_queries):
    with django_assert_num_queries(1):
        decisions = hits()

    assert [(d.allowed, d.count) for d in decisions] == [(True, 1), (True, 1)]
    assert [d.retry_after for d in decisions] == [25 * 60 + 4, 4]
    assert counts() == {("address", HOUR_START): 1, ("network", MINUTE_START): 1}


@pytest.mark.django_db
def test_hits_refused_by_a_later_cap_take_back_the_earlier_ones():
    decisions = [hits(network_limit=2) for _ in range(4)]

    assert [[(d.allowed, d.count) for d in ds] for ds in decisions] == [
        [(True, 1), (True, 1)],
        [(True, 2), (True, 2)],
        [(True, 3), (False, 2)],
        [(True, 3), (False, 2)],
    ]
    assert decisions[2][1].retry_after == 4
    assert counts() == {("address", HOUR_START): 2, ("network", MINUTE_START): 2}


@pytest.mark.django_db
def test_hits_refused_by_the_first_cap_leave_the_later_ones_untouched(django_assert_num_queries):
    hits(address_limit=1)
    with django_assert_num_queries(1):
        decisions = hits(address_limit=1)

    assert [(d.allowed, d.count) for d in decisions] == [(False, 1)]
    assert counts() == {("address", HOUR_START): 1, ("network", MINUTE_START): 1}


@pytest.mark.django_db
def test_hits_with_a_cap_of_zero_refuse_and_count_nowhere():
    assert [d.allowed for d in hits(network_limit=0)] == [True, False]
    assert [d.allowed for d in hits(address_limit=0)] == [False]

    assert counts() == {("address", HOUR_START): 0}


@pytest.mark.django_db(transaction=True)
def test_a_hundred_threads_on_two_caps_get_exactly_the_narrower_and_spend_nothing_more():
    """100 requests at once against an address cap of 50 before a network cap of 20: 20 pass, and the 30 hits the
    network refused after the address had counted them are taken back."""

    def one_request():
        decisions = rate_limit_hits([("crowd:ip", 50, 3600), ("crowd:net", 20, 3600)], now=NOW)
        return all(d.allowed for d in decisions)

    allowed = at_once(one_request)

    assert allowed.count(True) == 20
    assert counts() == {("crowd:ip", HOUR_START): 20, ("crowd:net", HOUR_START): 20}


@pytest.mark.django_db
def test_hits_on_other_databases_roll_a_refusal_back_in_a_transaction(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")  # make run's way, run here on PostgreSQL
    decisions = [hits(network_limit=1) for _ in range(2)]

    assert [[(d.allowed, d.count) for d in ds] for ds in decisions] == [[(True, 1), (True, 1)], [(True, 2), (False, 1)]]
    assert counts() == {("address", HOUR_START): 1, ("network", MINUTE_START): 1}


@pytest.mark.django_db
def test_hits_are_one_statement_prepared_once_per_connection_and_number_of_caps():
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    for _ in range(3):
        hits()
        rate_limit_hits([("alone", 5, 60)], now=NOW)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
        prepared = cursor.fetchall()

    assert sorted((statement.count(" AS (INSERT INTO"), runs) for statement, runs in prepared) == [(1, 3), (2, 3)]
