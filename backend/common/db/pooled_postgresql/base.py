"""PostgreSQL with a per-process connection pool for gevent workers (django-db-geventpool), bounded and fair.

The library's pool checks its size and then connects; connecting yields to other greenlets, so a burst of
requests all see room and all connect, past the limit and past PostgreSQL's max_connections. Here the check
and the connect happen under one lock.

And requests that find the pool exhausted are served in the order they came: each waits for a connection
handed to it directly when one comes back, and a newcomer queues behind them instead of taking the returned
connection first (the library's queue let newcomers overtake, so a waiter could be passed over again and
again while it re-polled every second: multi-second tails at 64 connections).

A connection taken from the pool is checked without a round trip: the library ran `SELECT 1` on every checkout,
a query per request that cost as much as the health check's own. An idle connection has nothing to read, so its
socket turning readable means the server spoke first, and that only happens when it is going away (a restart,
`pg_terminate_backend`, an idle timeout: a FATAL message, then EOF) or for an asynchronous notice; only then is
it probed with `SELECT 1`, and dropped if that fails.
"""

from collections import deque

from django_db_geventpool.backends.postgresql_psycopg3.base import DatabaseWrapper as PoolDatabaseWrapper
from django_db_geventpool.backends.postgresql_psycopg3.base import PostgresConnectionPool
from gevent import Timeout, queue
from gevent.event import AsyncResult
from gevent.lock import Semaphore
from gevent.monkey import get_original
from psycopg.pq import TransactionStatus

# A waiter also looks for room this often, in case a connection was dropped (closed, not returned).
_RECHECK_SECONDS = 1.0

# The blocking select, even where gevent patched the module: a zero timeout never waits, so nothing should yield.
_select = get_original("select", "select")


def _server_spoke(conn) -> bool:
    readable, _, _ = _select([conn.fileno()], [], [], 0)
    return bool(readable)


class BoundedPostgresConnectionPool(PostgresConnectionPool):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._grow = Semaphore()
        self._waiters: deque[AsyncResult] = deque()

    def check_usable(self, conn):
        if conn.closed or conn.info.transaction_status != TransactionStatus.IDLE:
            raise self.DBERROR("the pooled connection is closed or inside a transaction")
        if _server_spoke(conn):
            conn.execute("SELECT 1")  # raises if the server has gone

    def fill(self) -> int:
        """Open connections up to the pool's size and keep them idle, before the worker's first request; returns
        how many it opened. Opened on demand instead, they were opened under the first burst, each a PostgreSQL
        backend started inside some request's latency."""
        opened = 0
        with self._grow:
            while self.size < self.maxsize:
                self.pool.put_nowait(self._connect())
                opened += 1
        return opened

    def _connect(self):
        conn = self.create_connection()
        self._conns.add(conn)
        return conn

    def _usable(self, conn):
        try:
            self.check_usable(conn)
        except self.DBERROR:
            self._conns.discard(conn)
            conn.close()
            return None
        return conn

    def _idle(self):
        """A usable idle connection, or None. (Nothing here yields until the check's query.)"""
        while True:
            try:
                conn = self.pool.get_nowait()
            except queue.Empty:
                return None
            if (conn := self._usable(conn)) is not None:
                return conn

    def get(self):
        if not self._waiters:
            if (conn := self._idle()) is not None:
                return conn
            with self._grow:
                if self.size < self.maxsize:
                    return self._connect()
        waiter = AsyncResult()
        self._waiters.append(waiter)
        try:
            while True:
                try:
                    conn = waiter.get(timeout=_RECHECK_SECONDS)
                except Timeout:
                    # No connection came back: was one dropped? Only the first in line may take the room.
                    if self._waiters and self._waiters[0] is waiter and self.size < self.maxsize:
                        self._waiters.popleft()
                        with self._grow:
                            return self._connect()
                    continue
                return self._usable(conn) or self._connect()
        except BaseException:
            # The request was killed while waiting (a timeout): leave the line, and pass on what it was given.
            if waiter in self._waiters:
                self._waiters.remove(waiter)
            elif waiter.ready() and waiter.successful():
                self.put(waiter.value)
            raise

    def put(self, item):
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.ready():
                waiter.set(item)  # straight to the longest waiter: no newcomer can take it first
                return
        super().put(item)


class DatabaseWrapper(PoolDatabaseWrapper):
    pool_class = BoundedPostgresConnectionPool
