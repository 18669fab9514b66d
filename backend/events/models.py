import uuid

from django.db import models
from django.utils import timezone


class EventType(models.TextChoices):
    INVITE_OPENED = "invite.opened", "A share link was opened"
    USER_SIGNED_UP = "user.signed_up", "A phone signed in for the first time"
    INVITE_ACTIVATED = "invite.activated", "Someone activated someone else's invite code"


class Event(models.Model):
    """The transactional outbox: one row per change worth telling other systems about, written in the change's
    own transaction (no event without its change, no change without its event). Delivery reads from here."""

    # Also the idempotency key receivers see (the webhook-id of every delivery of this event).
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=32, choices=EventType.choices)
    # The user the event is about (the inviter for invite.*, the new user for user.signed_up): events of one
    # subject are delivered in the order they happened. No foreign key: events outlive what they describe.
    subject_id = models.BigIntegerField(null=True, blank=True)
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["subject_id", "created_at"], name="event_subject_time")]
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"
