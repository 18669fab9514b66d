from datetime import timedelta

from django.conf import settings
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from authentication.models import OtpCode, OtpFailure, SmsBlock, SmsMessage, TokenFamily
from authentication.selectors import otp_conversion
from authentication.services import sms_blocks_lift

CONVERSION_PERIODS = {"1": "24 hours", "7": "7 days", "30": "30 days"}


@admin.register(OtpCode)
class OtpCodeAdmin(admin.ModelAdmin):
    """Codes for support: when one was sent, whether it is live, used or exhausted. Never the hash."""

    list_display = (
        "phone",
        "country",
        "created_at",
        "send_status",
        "digits",
        "attempts",
        "open_attempts",
        "is_active",
        "used_at",
    )
    list_filter = ("send_status", "is_active", "digits", "country")
    search_fields = ("phone",)
    exclude = ("code_hash", "challenge_hash")
    readonly_fields = (
        "phone",
        "country",
        "prefix",
        "send_status",
        "digits",
        "created_at",
        "expires_at",
        "attempts",
        "open_attempts",
        "is_active",
        "used_at",
    )
    ordering = ("-created_at",)

    def has_add_permission(self, request):
        return False


@admin.register(OtpFailure)
class OtpFailureAdmin(admin.ModelAdmin):
    list_display = ("phone", "created_at", "with_challenge")
    list_filter = ("with_challenge",)
    search_fields = ("phone",)
    readonly_fields = ("phone", "created_at", "with_challenge")
    ordering = ("-created_at",)

    def has_add_permission(self, request):
        return False


@admin.register(TokenFamily)
class TokenFamilyAdmin(admin.ModelAdmin):
    """Sessions for support: when one started, whether and why it ended (logout, a reused refresh token)."""

    list_display = ("user", "created_at", "revoked_at", "revoke_reason")
    list_filter = ("revoke_reason",)
    search_fields = ("user__phone",)
    readonly_fields = ("id", "user", "created_at", "revoked_at", "revoke_reason")
    ordering = ("-created_at",)

    def has_add_permission(self, request):
        return False


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin):
    """Every try at sending a code, per provider; and, on its own page, codes sent and used per country and prefix."""

    list_display = ("created_at", "phone", "country", "provider", "status", "latency_ms", "error_code", "error")
    list_filter = ("status", "provider", "country")
    search_fields = ("phone", "provider_message_id")
    readonly_fields = [field.name for field in SmsMessage._meta.fields]
    ordering = ("-created_at",)
    list_select_related = ()
    change_list_template = "admin/authentication/smsmessage/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        conversion = self.admin_site.admin_view(self.conversion_view)
        return [path("conversion/", conversion, name="authentication_smsmessage_conversion"), *super().get_urls()]

    def conversion_view(self, request):
        if not self.has_view_permission(request):
            return TemplateResponse(request, "admin/403.html", status=403)
        days = request.GET.get("days", "1")
        if days not in CONVERSION_PERIODS:
            days = "1"
        since = timezone.now() - timedelta(days=int(days))
        context = {
            **self.admin_site.each_context(request),
            "title": "Codes sent and used",
            "opts": self.model._meta,
            "days": days,
            "periods": CONVERSION_PERIODS,
            "by_country": otp_conversion(since=since, group_by="country"),
            "by_prefix": otp_conversion(since=since, group_by="prefix"),
            "test_numbers": sorted(settings.OTP_TEST_NUMBERS),
        }
        return TemplateResponse(request, "admin/authentication/smsmessage/conversion.html", context)


class SmsBlockStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("live", "Blocking"), ("lifted", "Lifted")]

    def queryset(self, request, queryset):
        if self.value() == "live":
            return queryset.filter(lifted_at=None)
        if self.value() == "lifted":
            return queryset.exclude(lifted_at=None)
        return queryset


@admin.register(SmsBlock)
class SmsBlockAdmin(admin.ModelAdmin):
    """Prefixes and countries the conversion watch stopped sending to; "Lift" lets their codes go out again."""

    list_display = ("kind", "value", "created_at", "sends", "conversion_percent", "reason", "lifted_at", "lifted_by")
    list_filter = (SmsBlockStateFilter, "kind")
    search_fields = ("value",)
    readonly_fields = [field.name for field in SmsBlock._meta.fields]
    ordering = ("-created_at",)
    list_select_related = ("lifted_by",)
    actions = ("lift",)

    def has_add_permission(self, request):
        return False

    @admin.display(description="used", ordering="conversion")
    def conversion_percent(self, obj):
        return f"{obj.conversion:.0%}"

    @admin.action(description="Lift: send codes to these again", permissions=["change"])
    def lift(self, request, queryset):
        lifted = sms_blocks_lift(blocks=queryset, by=request.user)
        self.message_user(
            request,
            f"Lifted {lifted} block(s). Each blocks again only after OTP_CONVERSION_MIN_SENDS new codes rarely used.",
            messages.SUCCESS,
        )
