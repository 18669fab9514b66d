from django.db import models


class RateCounter(models.Model):
    """Requests counted for one key (a client address, a network) in one fixed time window.

    Written only by `common.ratelimit.rate_limit_hit`, one atomic upsert per request. Rows are disposable:
    deleting any of them (the purge, `make demo-reset`, a TRUNCATE) only lifts that limit early.
    """

    key = models.CharField(max_length=200)
    window_start = models.DateTimeField()
    expires_at = models.DateTimeField(help_text="End of the window; after it the row only waits to be purged.")
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            # The upsert's ON CONFLICT target: one row per key and window, whatever the concurrency.
            models.UniqueConstraint(fields=["key", "window_start"], name="ratecounter_one_row_per_window"),
        ]
        indexes = [models.Index(fields=["expires_at"], name="ratecounter_expires_at")]

    def __str__(self) -> str:
        return f"{self.key} @ {self.window_start:%Y-%m-%d %H:%M:%S}: {self.count}"
