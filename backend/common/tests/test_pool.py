"""The gevent connection pool: under more requests than it holds, served in arrival order, promptly; a connection
taken from it is checked without a round trip, and one the server closed is replaced."""

import os
import time

import dj_database_url
import gevent
import psycopg
import pytest

from common.db.pooled_postgresql.base import BoundedPostgresConnectionPool


def _plain_params() -> dict:
    url = dj_database_url.parse(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    return {"dbname": "postgres", "user": url["USER"], "host": url["HOST"], "port": url["PORT"] or 5432}


@pytest.fixture
def pool():
    pool = BoundedPostgresConnectionPool(**_plain_params(), MAX_CONNS=2)
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


def _last_query_of(backend_pid: int) -> str:
    with psycopg.connect(**_plain_params()) as observer:
        return observer.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [backend_pid]).fetchone()[0]


def test_taking_a_connection_from_the_pool_costs_no_round_trip(pool):
    conn = pool.get()
    conn.autocommit = True  # as Django sets it
    conn.execute("SELECT 'the request''s own query'")
    pid = conn.info.backend_pid
    pool.put(conn)

    again = pool.get()

    assert again.info.backend_pid == pid
    assert _last_query_of(pid) == "SELECT 'the request''s own query'"  # no SELECT 1 since
    pool.put(again)


def test_a_connection_the_server_closed_is_replaced_when_taken(pool):
    conn = pool.get()
    pid = conn.info.backend_pid
    pool.put(conn)
    with psycopg.connect(**_plain_params(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    time.sleep(0.2)  # the FATAL message and the close reach the idle connection's socket

    fresh = pool.get()

    assert fresh.info.backend_pid != pid
    assert fresh.execute("SELECT 1").fetchone() == (1,)
    assert pool.size == 1
    pool.put(fresh)
