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


class SpentChallenge(models.Model):
    """A proof-of-work challenge whose solution was accepted once (common.proof_of_work): a replay is refused.

    The unique signature does the refusing, whatever the concurrency: of two requests carrying one solution, one
    insert wins. Rows are kept until the challenge expires (after that the expiry refuses it anyway), then purged.
    """

    signature = models.CharField(max_length=128, unique=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.signature[:12]}… until {self.expires_at:%Y-%m-%d %H:%M:%S}"
