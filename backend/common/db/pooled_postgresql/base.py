"""PostgreSQL with a per-process connection pool for gevent workers (django-db-geventpool), bounded.

The library's pool checks its size and then connects; connecting yields to other greenlets, so a
burst of requests all see room and all connect, past the limit and past PostgreSQL's
max_connections. Here the check and the connect happen under one lock, and a request that finds
the pool exhausted waits for a connection to come back (re-checking now and then, in case a broken
one was dropped instead).
"""

from django_db_geventpool.backends.postgresql_psycopg2.base import DatabaseWrapper as PoolDatabaseWrapper
from django_db_geventpool.backends.postgresql_psycopg2.base import PostgresConnectionPool
from gevent import queue
from gevent.lock import Semaphore

_RECHECK_SECONDS = 1.0


class BoundedPostgresConnectionPool(PostgresConnectionPool):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._grow = Semaphore()

    def get(self):
        while True:
            with self._grow:
                if self.pool.empty() and self.size < self.maxsize:
                    conn = self.create_connection()
                    self._conns.add(conn)
                    return conn
            try:
                conn = self.pool.get(timeout=_RECHECK_SECONDS)
            except queue.Empty:
                continue  # still exhausted, or a connection was dropped: check again
            try:
                self.check_usable(conn)
            except self.DBERROR:
                self._conns.discard(conn)
                conn.close()
                continue
            return conn


class DatabaseWrapper(PoolDatabaseWrapper):
    pool_class = BoundedPostgresConnectionPool
