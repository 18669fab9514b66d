from datetime import UTC, timedelta

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from users.models import InviteActivationFailure, InviteOpen, User
from users.phones import PHONE_MAX_INPUT, InvalidPhone, phone_normalize
from users.selectors import program_funnel, top_referrers
from users.services import user_insert

FUNNEL_DEFAULT_DAYS = 30
FUNNEL_MAX_DAYS = 366


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


class FunnelPeriodForm(forms.Form):
    """The UTC days a referral report covers: the last 30 unless `from`/`to` say otherwise, at most a year."""

    start = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        end = cleaned.get("end") or timezone.now().astimezone(UTC).date()
        start = cleaned.get("start") or end - timedelta(days=FUNNEL_DEFAULT_DAYS - 1)
        if start > end:
            raise ValidationError("The first day comes after the last.")
        if (end - start).days >= FUNNEL_MAX_DAYS:
            raise ValidationError(f"At most {FUNNEL_MAX_DAYS} days at once.")
        cleaned["start"], cleaned["end"] = start, end
        return cleaned


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserEditForm
    add_form = UserAddForm
    list_display = ("phone", "invite_code", "referrer_phone", "referrals_count", "date_joined", "is_staff")
    list_select_related = ("referred_by",)
    change_list_template = "admin/users/user/change_list.html"
    search_fields = ("phone", "invite_code")
    list_filter = ("is_staff", "is_superuser", "is_active")
    # A search's "N results (M total)" counted the whole table once more (with 100,000 users, 12 ms of ~100).
    show_full_result_count = False
    # Pages in the order of the indexes user_joined_newest and user_most_referrals (models.py).
    ordering = ("-date_joined", "-id")
    readonly_fields = (
        "invite_code",
        "referred_by",
        "activated_at",
        "referrals_count",
        "joined_via",
        "date_joined",
        "last_login",
    )
    fieldsets = (
        (None, {"fields": ("phone", "password")}),
        ("Referrals", {"fields": ("invite_code", "referred_by", "activated_at", "referrals_count", "joined_via")}),
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

    def get_urls(self):
        funnel = self.admin_site.admin_view(self.funnel_view)
        top = self.admin_site.admin_view(self.top_referrers_view)
        return [
            path("funnel/", funnel, name="users_user_funnel"),
            path("top-referrers/", top, name="users_user_top_referrers"),
            *super().get_urls(),
        ]

    def _report(self, request, *, title: str, template: str, rows):
        """A referral report of the UTC days in the query string (`start`, `end`; the last 30 days by default)."""
        if not self.has_view_permission(request):
            return TemplateResponse(request, "admin/403.html", status=403)
        form = FunnelPeriodForm(request.GET)
        context = {**self.admin_site.each_context(request), "title": title, "opts": self.model._meta, "form": form}
        if form.is_valid():
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
            context.update(start=start, end=end, rows=rows(start, end))
        return TemplateResponse(request, template, context)

    def funnel_view(self, request):
        def rows(start, end):
            days = program_funnel(first=start, last=end)
            totals = {key: sum(getattr(day, key) for day in days) for key in ("opens", "sign_ups", "activations")}
            return {"days": days[::-1], "totals": totals}

        return self._report(
            request, title="Referral funnel per day", template="admin/users/user/funnel.html", rows=rows
        )

    def top_referrers_view(self, request):
        return self._report(
            request,
            title="Top referrers",
            template="admin/users/user/top_referrers.html",
            rows=lambda start, end: top_referrers(first=start, last=end),
        )


@admin.register(InviteActivationFailure)
class InviteActivationFailureAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at")
    search_fields = ("user__phone",)
    list_select_related = ("user",)
    readonly_fields = ("user", "created_at")


@admin.register(InviteOpen)
class InviteOpenAdmin(admin.ModelAdmin):
    """Share links opened: one row per (link, browser), the first time that browser opened it."""

    list_display = ("opened_at", "inviter", "visitor")
    search_fields = ("inviter__phone", "inviter__invite_code")
    list_select_related = ("inviter",)
    readonly_fields = ("inviter", "visitor", "opened_at")
    ordering = ("-opened_at",)
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
