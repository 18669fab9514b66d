from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError

from users.models import InviteActivationFailure, User
from users.phones import PHONE_MAX_INPUT, InvalidPhone, phone_normalize
from users.services import user_insert


class PhoneFormField(forms.CharField):
    """A phone in any common spelling, cleaned to E.164 (any valid number: staff sign in with a password)."""

    default_error_messages = {"invalid": "Enter a valid phone number, e.g. +7 916 123-45-67."}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", PHONE_MAX_INPUT)
        kwargs.setdefault("help_text", "Any common spelling, e.g. 8 (916) 123-45-67; stored as +79161234567.")
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        try:
            return phone_normalize(value, mobile_only=False)
        except InvalidPhone:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class UserAddForm(AdminUserCreationForm):
    phone = PhoneFormField(label="Phone")

    error_messages = {
        **AdminUserCreationForm.error_messages,
        "staff_needs_password": "A staff account signs in to the admin with a password: enable it and set one.",
    }

    class Meta:
        model = User
        fields = ("phone", "is_staff")

    def clean(self):
        cleaned = super().clean()  # turns usable_password into set_usable_password
        if cleaned.get("is_staff") and not cleaned.get("set_usable_password"):
            self.add_error("usable_password", self.error_messages["staff_needs_password"])
        return cleaned


class UserEditForm(UserChangeForm):
    phone = PhoneFormField(label="Phone")

    class Meta:
        model = User
        fields = "__all__"


class PhoneAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's sign-in, with the phone in any common spelling, like every other screen: the user
    manager's get_by_natural_key, which password authentication calls, reads any spelling."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The base form caps the input at the stored length (16), too short for "+7 (916) 123-45-67".
        self.fields["username"].max_length = PHONE_MAX_INPUT
        self.fields["username"].widget.attrs["maxlength"] = PHONE_MAX_INPUT


admin.site.login_form = PhoneAdminAuthenticationForm


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserEditForm
    add_form = UserAddForm
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
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("phone", "is_staff", "usable_password", "password1", "password2")}),
    )

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            # A new user gets its invite code where every user does: from the service, which draws a
            # random one and draws again on a collision (a plain save would insert no code at all).
            user_insert(user=obj)

    @admin.display(description="Referrer", ordering="referred_by__phone")
    def referrer_phone(self, obj):
        return obj.referred_by.phone if obj.referred_by else "—"


@admin.register(InviteActivationFailure)
class InviteActivationFailureAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at")
    search_fields = ("user__phone",)
    list_select_related = ("user",)
    readonly_fields = ("user", "created_at")
