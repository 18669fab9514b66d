"""Recording events: the one way the domain apps tell the outside world what happened."""

from django.db import connection

from events.models import Event, EventType


class NotInTransaction(RuntimeError):
    """event_record was called outside a transaction: the event could be kept while its change is rolled back."""


def event_record(*, type: EventType, subject_id: int | None, payload: dict) -> Event:
    """Write an event to the outbox. Call it inside the `transaction.atomic` block of the change it describes, so
    that both are kept or neither is. Raises NotInTransaction otherwise."""
    if not connection.in_atomic_block:
        raise NotInTransaction(f"{type} must be recorded in the transaction of its change")
    return Event.objects.create(type=type, subject_id=subject_id, payload=payload)
