"""Recording events: the one way the domain apps tell the outside world what happened."""

from collections.abc import Iterable

from django.db import connection, transaction

from events.models import DeliveryStatus, Event, EventType, WebhookDelivery, WebhookEndpoint


class NotInTransaction(RuntimeError):
    """event_record was called outside a transaction: the event could be kept while its change is rolled back."""


def webhooks_enabled() -> bool:
    # The task queue lives in PostgreSQL (procrastinate): on SQLite (make run with no PostgreSQL) events are
    # recorded, and nothing is delivered.
    return connection.vendor == "postgresql"


def webhook_lock(*, endpoint_id: int, subject_id: int | None) -> str | None:
    """The procrastinate lock that keeps one subject's deliveries to one endpoint in order (None: no order)."""
    return None if subject_id is None else f"webhook:{endpoint_id}:{subject_id}"


def _deliveries_defer(deliveries: Iterable[WebhookDelivery]) -> None:
    from events.tasks import webhook_deliver  # the task module needs the procrastinate app, ready after setup

    for delivery in deliveries:
        lock = webhook_lock(endpoint_id=delivery.endpoint_id, subject_id=delivery.event.subject_id)
        # Deferred through Django's own connection (procrastinate's Django connector): in this transaction, so
        # the job exists exactly when the event and its change do.
        webhook_deliver.configure(lock=lock).defer(delivery_id=delivery.pk)


def event_record(*, type: EventType, subject_id: int | None, payload: dict) -> Event:
    """Write an event to the outbox, with a delivery (and its job) per active webhook endpoint. Call it inside the
    `transaction.atomic` block of the change it describes, so that all are kept or none is. Raises
    NotInTransaction otherwise."""
    if not connection.in_atomic_block:
        raise NotInTransaction(f"{type} must be recorded in the transaction of its change")
    event = Event.objects.create(type=type, subject_id=subject_id, payload=payload)
    if webhooks_enabled():
        deliveries = WebhookDelivery.objects.bulk_create(
            WebhookDelivery(event=event, endpoint=endpoint) for endpoint in WebhookEndpoint.objects.filter(active=True)
        )
        _deliveries_defer(deliveries)
    return event


def webhook_deliveries_resend(*, deliveries: Iterable[WebhookDelivery]) -> int:
    """Give failed deliveries a fresh set of attempts (the admin's "resend"). A resent event may reach its receiver
    after later events of its subject: receivers order by the body's timestamp. Returns how many were resent."""
    ids = [d.pk for d in deliveries]
    with transaction.atomic():
        resent = list(
            WebhookDelivery.objects.select_for_update()
            .select_related("event")
            .filter(pk__in=ids, status=DeliveryStatus.FAILED)
        )
        WebhookDelivery.objects.filter(pk__in=[d.pk for d in resent]).update(
            status=DeliveryStatus.PENDING, attempts=0, last_error="", last_status_code=None
        )
        if webhooks_enabled():
            _deliveries_defer(resent)
    return len(resent)


def webhook_endpoints_sync(*, endpoints: list[tuple[str, str]]) -> tuple[int, int]:
    """Make each (url, secret) an endpoint with that secret (WEBHOOK_URL, on every start): created active; an
    existing one gets the secret, and keeps the active flag the admin gave it. Endpoints not in the list are left
    as they are. Returns (created, updated)."""
    created = updated = 0
    with transaction.atomic():
        for url, secret in endpoints:
            endpoint, made = WebhookEndpoint.objects.select_for_update().get_or_create(
                url=url, defaults={"secret": secret, "description": "from WEBHOOK_URL"}
            )
            if made:
                created += 1
            elif endpoint.secret != secret:
                endpoint.secret = secret
                endpoint.save(update_fields=["secret"])
                updated += 1
    return created, updated
