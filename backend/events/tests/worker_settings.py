"""The worker the webhook tests start (a real `manage.py procrastinate worker` process): the test settings, with
the waits of a production worker shrunk from seconds and minutes to fractions of a second."""

from config.settings_test import *  # noqa: F403

WEBHOOK_STALLED_CHECK_SECONDS = 1
PROCRASTINATE_WORKER_DEFAULTS = {
    "queues": ["webhooks"],
    "concurrency": 4,  # room for a later job to overtake an earlier one, were it not for the lock
    "fetch_job_polling_interval": 0.05,  # a retry's time comes without a notification: poll often
    "update_heartbeat_interval": 0.3,
    "stalled_worker_timeout": 1.5,
    "delete_jobs": "successful",
}
