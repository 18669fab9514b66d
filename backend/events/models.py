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


class WebhookEndpoint(models.Model):
    """A receiver of every event, as a signed POST (the Standard Webhooks spec). Managed in the admin; the ones in
    WEBHOOK_URL are written here by `manage.py webhook_endpoints_sync` (run on every start)."""

    url = models.URLField(max_length=500, unique=True)
    # Standard Webhooks form: "whsec_" + base64 of the key. Receivers verify with the same string.
    secret = models.CharField(max_length=200)
    active = models.BooleanField(default=True, help_text="Inactive endpoints get no new events.")
    description = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class WebhookDelivery(models.Model):
    """One event to one endpoint: written with the event, updated by the worker after every attempt."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "endpoint"], name="delivery_event_endpoint")]
        indexes = [models.Index(fields=["status", "created_at"], name="delivery_status_time")]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} -> {self.endpoint}"
