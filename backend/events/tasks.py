"""Webhook delivery on procrastinate (a PostgreSQL task queue): the jobs live in the same database as the events.

Order per subject and endpoint: every delivery job carries the lock "webhook:<endpoint>:<subject>", and
procrastinate starts a job only when no job of its lock is running and no job of its lock deferred before it
still waits, including one that is waiting for its retry. So a user's later event never overtakes an earlier
one that is retrying; it goes once the earlier one is delivered or, after WEBHOOK_MAX_ATTEMPTS, failed.

At least once: a delivery is marked delivered only after the receiver's 2xx. A worker killed mid-delivery
leaves its job "doing" (and the job's lock held, so nothing of that subject overtakes it); any worker's
periodic `webhook_stalled_jobs_retry` puts such jobs back once their worker has stopped sending heartbeats.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from procrastinate import RetryDecision
from procrastinate.contrib.django import app
from procrastinate.retry import BaseRetryStrategy

from events.models import DeliveryStatus, WebhookDelivery
from events.webhooks import webhook_send

logger = logging.getLogger(__name__)

WEBHOOK_QUEUE = "webhooks"


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: WEBHOOK_RETRY_BASE, doubled after each further one."""
    return timedelta(seconds=settings.WEBHOOK_RETRY_BASE * 2 ** max(attempts - 1, 0))


class AttemptFailed(Exception):
    def __init__(self, delivery: WebhookDelivery):
        super().__init__(f"delivery {delivery.pk}, attempt {delivery.attempts}: {delivery.last_error}")
        self.attempts = delivery.attempts


class WebhookRetry(BaseRetryStrategy):
    """Retry a failed attempt after retry_delay; the task itself stops after WEBHOOK_MAX_ATTEMPTS (it marks the
    delivery failed and returns). Anything else that went wrong (the database, say) is retried the same way, on
    the job's own count, within the same bound."""

    def get_retry_decision(self, *, exception: BaseException, job) -> RetryDecision | None:
        attempts = exception.attempts if isinstance(exception, AttemptFailed) else job.attempts + 1
        if not isinstance(exception, AttemptFailed) and attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
            return None
        return RetryDecision(retry_in={"seconds": retry_delay(attempts).total_seconds()})


@app.task(name="events.webhook_deliver", queue=WEBHOOK_QUEUE, retry=WebhookRetry())
def webhook_deliver(*, delivery_id: int) -> None:
    """One attempt at one delivery. Raises AttemptFailed to be retried; returns when delivered, failed for good,
    or nothing is left to do (delivered already: the job ran again after a crash)."""
    delivery = WebhookDelivery.objects.select_related("event", "endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return
    endpoint = delivery.endpoint
    if not endpoint.active:
        _finish(delivery, DeliveryStatus.FAILED, status_code=None, error="the endpoint is inactive")
        return
    result = webhook_send(
        url=endpoint.url, secret=endpoint.secret, event=delivery.event, timeout=settings.WEBHOOK_TIMEOUT
    )
    delivery.attempts += 1
    if result.delivered:
        _finish(delivery, DeliveryStatus.DELIVERED, status_code=result.status_code, error="")
        logger.info("webhook %s (%s) delivered to %s, attempt %d", delivery.event_id, delivery.event.type,
                    endpoint.url, delivery.attempts)  # fmt: skip
        return
    if delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        _finish(delivery, DeliveryStatus.FAILED, status_code=result.status_code, error=result.error)
        logger.warning("webhook %s to %s failed after %d attempts: %s", delivery.event_id, endpoint.url,
                       delivery.attempts, result.error)  # fmt: skip
        return
    _finish(delivery, DeliveryStatus.PENDING, status_code=result.status_code, error=result.error)
    raise AttemptFailed(delivery)


def _finish(delivery: WebhookDelivery, status: str, *, status_code: int | None, error: str) -> None:
    now = timezone.now()
    delivery.status = status
    delivery.last_status_code = status_code
    delivery.last_error = error[:500]
    delivery.last_attempt_at = now if delivery.attempts else delivery.last_attempt_at
    delivery.delivered_at = now if status == DeliveryStatus.DELIVERED else None
    delivery.save(
        update_fields=["status", "attempts", "last_status_code", "last_error", "last_attempt_at", "delivered_at"]
    )


@app.periodic(cron=f"*/{settings.WEBHOOK_STALLED_CHECK_SECONDS} * * * * *", periodic_id="webhook_stalled")
@app.task(name="events.webhook_stalled_jobs_retry", queue=WEBHOOK_QUEUE, queueing_lock="webhook_stalled")
async def webhook_stalled_jobs_retry(timestamp: int) -> None:
    """Put back the delivery jobs of workers that died mid-job (killed, out of memory, the machine gone): their
    heartbeat is older than the worker's stalled_worker_timeout."""
    timeout = (settings.PROCRASTINATE_WORKER_DEFAULTS or {}).get("stalled_worker_timeout", 30.0)
    for job in await app.job_manager.get_stalled_jobs(
        task_name="events.webhook_deliver", seconds_since_heartbeat=timeout
    ):
        logger.warning("webhook job %s was left running by a dead worker: retrying it", job.id)
        await app.job_manager.retry_job(job)
