"""Lockout of the admin's password sign-in, on django-axes (settings: AXES_*).

Failures are counted in PostgreSQL (axes' AccessAttempt rows), so the limits hold across every process and
machine. An account is locked after ADMIN_LOGIN_FAILURE_LIMIT wrong passwords whatever the address, and an
address after as many wrong passwords whatever the account; a locked sign-in is refused before any password
is hashed.
"""

import ipaddress

from axes.conf import settings
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt, AccessFailureLog
from axes.signals import user_locked_out
from django.db import connection, transaction
from django.db.models import F
from rest_framework.throttling import BaseThrottle

from users.phones import InvalidPhone, phone_normalize

# pg_advisory_xact_lock(namespace, hashtext(key)): one namespace per lockout parameter, always taken in this
# order (account, then address), so two sign-ins never wait for each other in a cycle.
_LOCK_NAMESPACE_USERNAME = 0x61786531  # "axe1"
_LOCK_NAMESPACE_IP = 0x61786532  # "axe2"


def admin_login_client_ip(request) -> str:
    """The client's address, by the same rule as the API's per-IP throttles: X-Forwarded-For is believed only
    as far as TRUSTED_PROXY_HOPS (DRF's NUM_PROXIES) reaches, so a client can't pick its own counter, and behind
    nginx the real client counts. Anything that isn't an address falls back to the peer's."""
    ident = BaseThrottle().get_ident(request)
    try:
        return str(ipaddress.ip_address(ident))
    except ValueError:
        return request.META.get("REMOTE_ADDR", "")


def admin_login_username(request, credentials: dict | None) -> str | None:
    """The account a sign-in is for, in E.164: "8 (916) 123-45-67" and "+79161234567" are one account to the
    lockout, as they are to the user manager's get_by_natural_key. Anything that isn't a phone counts as typed."""
    field = settings.AXES_USERNAME_FORM_FIELD
    raw = (credentials or {}).get(field)
    if raw is None and request is not None:
        raw = request.POST.get(field)
    if raw is None:
        return None
    try:
        return phone_normalize(str(raw), mobile_only=False)
    except InvalidPhone:
        return str(raw).strip()[:255]


class AdminLoginLockoutHandler(AxesDatabaseHandler):
    """axes' database handler, with the check and the count made one atomic step.

    The stock handler checks the counters before the password and adds the failure after it, so N sign-ins at
    once all pass the check and all get a password tried: a parallel burst could try far more than the limit.
    Here the check reserves a failure in the same transaction, under a PostgreSQL advisory lock per account and
    per address; a failed password keeps the reservation and a successful one gives it back. So at most the
    limit's worth of passwords is ever tried per account and per address, however many arrive at once.
    """

    def is_allowed(self, request, credentials: dict | None = None) -> bool:
        if self.is_blacklisted(request, credentials):
            return False
        if self.is_whitelisted(request, credentials):
            return True
        return self._attempt_reserve(request, credentials)

    def _attempt_reserve(self, request, credentials: dict | None) -> bool:
        """Count this sign-in as a failure now, unless the account or address is locked; False when locked."""
        username = get_client_username(request, credentials)
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_advisory_xact_lock(%s, hashtext(%s)), pg_advisory_xact_lock(%s, hashtext(%s))",
                        [_LOCK_NAMESPACE_USERNAME, username or "", _LOCK_NAMESPACE_IP, request.axes_ip_address or ""],
                    )
            # (SQLite, make run's fallback, takes its write lock at BEGIN: the transaction alone serialises.)
            if self.get_failures(request, credentials) >= get_failure_limit(request, credentials):
                return False
            attempt, created = AccessAttempt.objects.get_or_create(
                username=username,
                ip_address=request.axes_ip_address,
                user_agent=request.axes_user_agent,
                defaults={
                    "http_accept": request.axes_http_accept,
                    "path_info": request.axes_path_info,
                    "failures_since_start": 1,
                    "attempt_time": request.axes_attempt_time,
                },
            )
            if not created:
                AccessAttempt.objects.filter(pk=attempt.pk).update(
                    failures_since_start=F("failures_since_start") + 1,
                    attempt_time=request.axes_attempt_time,
                    http_accept=request.axes_http_accept,
                    path_info=request.axes_path_info,
                )
        request.axes_attempt_reserved = True
        return True

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        if request is None or not getattr(request, "axes_attempt_reserved", False):
            # Refused while locked (nothing to count: the cool-off runs from the last counted failure), or a
            # sign-in the check never saw.
            return super().user_login_failed(sender, credentials, request, **kwargs)
        request.axes_attempt_reserved = False  # the reservation is this failure
        username = get_client_username(request, credentials)
        failures = self.get_failures(request, credentials)
        request.axes_failures_since_start = failures
        if failures >= get_failure_limit(request, credentials):
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send("axes", request=request, username=username, ip_address=request.axes_ip_address)
        if settings.AXES_ENABLE_ACCESS_FAILURE_LOG:
            AccessFailureLog.objects.create(
                username=username,
                ip_address=request.axes_ip_address,
                user_agent=request.axes_user_agent,
                http_accept=request.axes_http_accept,
                path_info=request.axes_path_info,
                attempt_time=request.axes_attempt_time,
                locked_out=request.axes_locked_out,
            )
            self.remove_out_of_limit_failure_logs(username=username)

    def user_logged_in(self, sender, request, user, **kwargs):
        if getattr(request, "axes_attempt_reserved", False):
            request.axes_attempt_reserved = False
            attempts = AccessAttempt.objects.filter(
                username=user.get_username(), ip_address=request.axes_ip_address, user_agent=request.axes_user_agent
            )
            attempts.filter(failures_since_start__gt=0).update(failures_since_start=F("failures_since_start") - 1)
            attempts.filter(failures_since_start__lte=0).delete()
        return super().user_logged_in(sender, request, user, **kwargs)
