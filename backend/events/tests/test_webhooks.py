"""Webhooks end to end: events recorded in a transaction, delivered by a real worker process to a real receiver."""

import json
import os
import signal
import time

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient
from standardwebhooks import Webhook

from authentication.tests.helpers import last_sms_code
from events.models import DeliveryStatus, Event, EventType, WebhookDelivery, WebhookEndpoint
from events.services import event_record, webhook_deliveries_resend
from events.tests.conftest import make_receiver, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def endpoint_for(url: str, secret: str = SECRET) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(url=url, secret=secret)


def record(subject_id: int, n: int = 0, type=EventType.INVITE_ACTIVATED):
    with transaction.atomic():
        return event_record(type=type, subject_id=subject_id, payload={"subject": subject_id, "n": n})


def delivered(count: int):
    return lambda: WebhookDelivery.objects.filter(status=DeliveryStatus.DELIVERED).count() >= count


def jobs() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'events.webhook_deliver'")
        return cursor.fetchone()[0]


def test_a_delivery_is_signed_per_standard_webhooks_and_verifies(receiver, workers):
    endpoint_for(receiver.url)
    event = record(subject_id=7)
    workers.start()

    wait_for(delivered(1), what="the delivery")

    [hit] = receiver.hits
    body = Webhook(SECRET).verify(hit.body, hit.headers)
    assert body == {
        "type": "invite.activated",
        "timestamp": event.created_at.isoformat().replace("+00:00", "Z"),
        "data": {"subject": 7, "n": 0},
    }
    assert hit.headers["Webhook-Id"] == str(event.id)
    with pytest.raises(Exception, match="signature"):
        Webhook("whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB").verify(hit.body, hit.headers)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.attempts, delivery.last_status_code, delivery.last_error) == (1, 200, "")
    assert delivery.delivered_at is not None


def test_a_receiver_answering_500_gets_retries_with_growing_delays_until_it_takes_it(receiver, workers):
    endpoint_for(receiver.url)
    receiver.answers = [500, 500, 503]
    event = record(subject_id=1)
    workers.start()

    wait_for(delivered(1), what="the delivery")

    assert len(receiver.hits) == 4
    assert {hit.headers["Webhook-Id"] for hit in receiver.hits} == {str(event.id)}  # one idempotency id
    gaps = [b.at - a.at for a, b in zip(receiver.hits, receiver.hits[1:], strict=False)]
    # WEBHOOK_RETRY_BASE=0.3 in the worker: 0.3, 0.6, 1.2 s.
    assert gaps[0] >= 0.3 and gaps[1] >= 0.6 and gaps[2] >= 1.2, gaps
    assert gaps[0] < gaps[1] < gaps[2], gaps
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.DELIVERED, 4, 200)


def test_a_users_later_event_never_overtakes_an_earlier_one_that_is_retrying(receiver, workers):
    endpoint_for(receiver.url)
    first = [record(subject_id=1, n=n) for n in range(3)]
    receiver.per_event[str(first[0].id)] = [500, 500]
    other = record(subject_id=2)
    workers.start()

    wait_for(delivered(4), what="all four deliveries")

    seen = [(json.loads(hit.body)["data"]["subject"], json.loads(hit.body)["data"]["n"]) for hit in receiver.hits]
    assert [s for s in seen if s[0] == 1] == [(1, 0), (1, 0), (1, 0), (1, 1), (1, 2)]
    # Another user's event isn't held up by the first user's retries (the worker runs 4 jobs at once).
    assert seen.index((2, 0)) < seen.index((1, 1))
    assert WebhookDelivery.objects.get(event=first[0]).attempts == 3
    assert WebhookDelivery.objects.get(event=other).attempts == 1


def test_after_max_attempts_a_delivery_is_failed_the_next_goes_and_resend_delivers_it(receiver, workers):
    endpoint_for(receiver.url)
    receiver.answers = [500] * 5  # WEBHOOK_MAX_ATTEMPTS=5 in the worker
    doomed = record(subject_id=1, n=0)
    later = record(subject_id=1, n=1)
    workers.start()

    wait_for(lambda: WebhookDelivery.objects.filter(event=later, status=DeliveryStatus.DELIVERED).exists())
    failed = WebhookDelivery.objects.get(event=doomed)
    assert (failed.status, failed.attempts, failed.last_status_code) == (DeliveryStatus.FAILED, 5, 500)
    assert "HTTP 500" in failed.last_error

    assert webhook_deliveries_resend(deliveries=[failed]) == 1
    wait_for(delivered(2), what="the resent delivery")
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (DeliveryStatus.DELIVERED, 1)
    assert [json.loads(hit.body)["data"]["n"] for hit in receiver.hits] == [0] * 5 + [1, 0]


def test_a_receiver_down_for_a_while_gets_every_event_later_in_order(workers):
    receiver = make_receiver()  # its port, nothing listening on it yet
    endpoint_for(receiver.url)
    events = [record(subject_id=1, n=n) for n in range(3)]
    workers.start()

    wait_for(lambda: WebhookDelivery.objects.filter(attempts__gte=2).exists(), what="failed attempts")
    failing = WebhookDelivery.objects.get(event=events[0])
    assert failing.status == DeliveryStatus.PENDING and "ConnectError" in failing.last_error
    receiver.start()
    try:
        wait_for(delivered(3), what="the deliveries after the outage")
        assert [json.loads(hit.body)["data"]["n"] for hit in receiver.hits] == [0, 1, 2]
    finally:
        receiver.stop()


def test_a_worker_killed_mid_delivery_loses_nothing(receiver, workers):
    endpoint_for(receiver.url)
    receiver.answers = ["hang"]
    first = record(subject_id=1, n=0)
    record(subject_id=1, n=1)
    doomed = workers.start()

    wait_for(lambda: receiver.hits, what="the first attempt")
    os.killpg(doomed.pid, signal.SIGKILL)
    doomed.wait()
    assert WebhookDelivery.objects.get(event=first).status == DeliveryStatus.PENDING
    workers.start()

    wait_for(delivered(2), what="the deliveries after the crash")
    # At least once: the first event again (the receiver drops it by its webhook-id if it had it), then the next.
    assert [json.loads(hit.body)["data"]["n"] for hit in receiver.hits] == [0, 0, 1]
    assert receiver.hits[0].headers["Webhook-Id"] == receiver.hits[1].headers["Webhook-Id"]


def test_a_rolled_back_change_delivers_nothing(receiver, workers):
    endpoint_for(receiver.url)
    with pytest.raises(RuntimeError), transaction.atomic():
        record(subject_id=1)
        assert jobs() == 1  # deferred inside the transaction...
        raise RuntimeError("the change fails after its event was recorded")
    assert jobs() == 0  # ...and gone with it
    assert not WebhookDelivery.objects.exists()

    record(subject_id=1, n=1)
    workers.start()
    wait_for(delivered(1))
    time.sleep(0.5)
    assert [json.loads(hit.body)["data"]["n"] for hit in receiver.hits] == [1]


def test_inactive_endpoints_get_nothing(receiver, workers):
    WebhookEndpoint.objects.create(url=receiver.url, secret=SECRET, active=False)
    record(subject_id=1)
    assert not WebhookDelivery.objects.exists() and jobs() == 0


def test_sign_in_answers_promptly_while_the_receiver_hangs(receiver, workers, new_phone):
    endpoint_for(receiver.url)
    receiver.default = "hang"
    record(subject_id=1)
    workers.start()
    wait_for(lambda: receiver.hits, what="the worker's attempt")  # the worker now hangs at the receiver
    client = APIClient()
    phones = [new_phone() for _ in range(3)]

    started = time.monotonic()
    for phone in phones:
        assert client.post("/api/login/", {"phone": phone}, format="json").status_code == 200
        answer = client.post("/api/verify/", {"phone": phone, "token": last_sms_code(phone)}, format="json")
        assert answer.status_code == 200, answer.json()
    elapsed = time.monotonic() - started

    assert elapsed < 3, elapsed
    # Whatever the sign-ins recorded (user.signed_up) waits in the queue with its delivery; nothing was sent inline.
    signed_up = Event.objects.filter(type=EventType.USER_SIGNED_UP)
    assert WebhookDelivery.objects.filter(event__in=signed_up, status=DeliveryStatus.PENDING).count() == len(signed_up)
    assert not WebhookDelivery.objects.filter(status=DeliveryStatus.DELIVERED).exists()
