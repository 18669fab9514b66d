from django.db import connections


class ProcrastinateOnPostgresqlOnly:
    """procrastinate's migrations are PostgreSQL's SQL: on SQLite (make run without PostgreSQL) they are skipped,
    and events are recorded without deliveries (events.services.webhooks_enabled)."""

    def allow_migrate(self, db, app_label, **hints):
        if app_label == "procrastinate" and connections[db].vendor != "postgresql":
            return False
        return None
