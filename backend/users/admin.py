from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from users.models import InviteActivationFailure, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("phone", "invite_code", "referrer_phone", "referrals_count", "date_joined", "is_staff")
    list_select_related = ("referred_by",)
    search_fields = ("phone", "invite_code")
    list_filter = ("is_staff", "is_superuser", "is_active")
    ordering = ("-date_joined",)
    readonly_fields = ("invite_code", "referred_by", "activated_at", "referrals_count", "date_joined", "last_login")
    fieldsets = (
        (None, {"fields": ("phone", "password")}),
        ("Referrals", {"fields": ("invite_code", "referred_by", "activated_at", "referrals_count")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("date_joined", "last_login")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("phone", "usable_password", "password1", "password2")}),)

    @admin.display(description="Referrer", ordering="referred_by__phone")
    def referrer_phone(self, obj):
        return obj.referred_by.phone if obj.referred_by else "—"


@admin.register(InviteActivationFailure)
class InviteActivationFailureAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at")
    search_fields = ("user__phone",)
    list_select_related = ("user",)
    readonly_fields = ("user", "created_at")
