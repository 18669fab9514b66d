"""The gevent connection pool under more requests than it holds: served in arrival order, promptly."""

import os
import time

import dj_database_url
import gevent
import pytest

from common.db.pooled_postgresql.base import BoundedPostgresConnectionPool


@pytest.fixture
def pool():
    url = dj_database_url.parse(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    pool = BoundedPostgresConnectionPool(
        dbname="postgres", user=url["USER"], host=url["HOST"], port=url["PORT"] or 5432, MAX_CONNS=2
    )
    yield pool
    pool.close()
    for conn in list(pool._conns):
        conn.close()


def test_requests_beyond_the_pool_are_served_in_arrival_order(pool):
    served, waits = [], []

    def request(number):
        arrived = time.monotonic()
        conn = pool.get()
        waits.append(time.monotonic() - arrived)
        served.append(number)
        gevent.sleep(0.03)
        pool.put(conn)

    requests = []
    for number in range(12):
        requests.append(gevent.spawn(request, number))
        gevent.sleep(0.005)  # each arrives while the two connections are busy
    gevent.joinall(requests, timeout=10, raise_error=True)

    assert served == list(range(12))
    assert pool.size == 2
    # 12 requests of 30 ms on 2 connections: the last waits about 150 ms, nobody seconds.
    assert max(waits) < 0.6, waits


def test_a_waiting_request_is_not_overtaken_by_a_connection_coming_straight_back(pool):
    """Keep-alive clients return a connection and ask again at once: the one waiting goes first."""
    stop = time.monotonic() + 1.5

    def busy_client():
        while time.monotonic() < stop:
            conn = pool.get()
            gevent.sleep(0.02)
            pool.put(conn)

    clients = [gevent.spawn(busy_client) for _ in range(2)]
    gevent.sleep(0.05)
    arrived = time.monotonic()
    conn = pool.get()
    waited = time.monotonic() - arrived
    pool.put(conn)
    gevent.joinall(clients, timeout=10, raise_error=True)

    assert waited < 0.3, f"waited {waited:.2f} s while the busy clients kept their connections"
