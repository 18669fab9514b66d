from django.contrib import admin, messages

from events.models import DeliveryStatus, Event, WebhookDelivery, WebhookEndpoint
from events.services import webhook_deliveries_resend


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "active", "description", "created_at"]
    list_filter = ["active"]
    search_fields = ["url", "description"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["id", "type", "subject_id", "created_at"]
    list_filter = ["type"]
    search_fields = ["=id", "=subject_id"]
    readonly_fields = ["id", "type", "subject_id", "payload", "created_at"]

    def has_add_permission(self, request):
        return False  # events are written by the changes they describe, never by hand


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event", "endpoint", "status", "attempts", "last_status_code", "last_attempt_at", "delivered_at"]
    list_filter = ["status", "endpoint"]
    search_fields = ["=event__id", "=event__subject_id"]
    list_select_related = ["event", "endpoint"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    actions = ["resend"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Resend the selected failed deliveries")
    def resend(self, request, queryset):
        resent = webhook_deliveries_resend(deliveries=queryset.filter(status=DeliveryStatus.FAILED))
        self.message_user(request, f"{resent} deliveries queued again.", messages.SUCCESS)
