"""Server-side prepared statements for the hottest reads.

Django's own cursors bind parameters client-side and never prepare (what PgBouncer before 1.21 needed), so every
query is parsed and planned anew. For `GET /api/profile/` planning cost PostgreSQL several times what running the
statement did. A cursor from `prepared_cursor()` binds server-side, and with the connection's `prepare_threshold`
at 0 (settings.py, DB_PREPARED_STATEMENTS) psycopg prepares each of its statements on first use and reuses the plan
on that connection afterwards. Behind PgBouncer the pooler keeps them (its MAX_PREPARED_STATEMENTS,
docker-compose.yml). With DB_PREPARED_STATEMENTS=false the same cursor runs its statements unprepared.
"""

from django.db import connection
from django.db.backends.postgresql.base import ServerBindingCursor


def prepared_cursor():
    """A cursor of Django's connection (its error wrapping and query log included) whose statements PostgreSQL
    prepares on first use. PostgreSQL only."""
    connection.ensure_connection()
    cursor = ServerBindingCursor(connection.connection)
    return connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)
