from django.contrib import admin

from authentication.models import OtpCode, OtpFailure, TokenFamily


@admin.register(OtpCode)
class OtpCodeAdmin(admin.ModelAdmin):
    """Codes for support: when one was sent, whether it is live, used or exhausted. Never the hash."""

    list_display = ("phone", "created_at", "expires_at", "attempts", "is_active", "used_at")
    list_filter = ("is_active",)
    search_fields = ("phone",)
    exclude = ("code_hash",)
    readonly_fields = ("phone", "created_at", "expires_at", "attempts", "is_active", "used_at")
    ordering = ("-created_at",)

    def has_add_permission(self, request):
        return False


@admin.register(OtpFailure)
class OtpFailureAdmin(admin.ModelAdmin):
    list_display = ("phone", "created_at")
    search_fields = ("phone",)
    readonly_fields = ("phone", "created_at")
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
