"""Test overrides: PostgreSQL from DATABASE_URL, no send delay, in-memory SMS outbox."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/referral")
os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key")
os.environ.setdefault("JWT_SIGNING_KEY", "test-jwt-signing-key-of-at-least-32-bytes")

from .settings import *  # noqa: E402,F403

SMS_BACKEND = "authentication.sms.locmem.LocmemSmsBackend"
OTP_SEND_DELAY = (0.0, 0.0)
OTP_ECHO = False
# Per-IP throttles are generous here so rule tests are not cut short by them;
# the throttle tests set their own rates.
THROTTLE_LOGIN = "10000/hour"
# The tests' phones are consecutive numbers, one prefix: the prefix cap's own tests set theirs.
OTP_MAX_SENDS_PER_PREFIX_PER_HOUR = 100000
# Nor may they spend an SMS budget, or look like an unused range (they are rarely verified): the budget's and
# the conversion watch's own tests set theirs.
SMS_BUDGET_PER_HOUR = 1000000
OTP_CONVERSION_MIN_SENDS = 1000000000
THROTTLE_VERIFY = "10000/hour"
# No proof of work either (the tests share one address and one prefix): its own tests turn the signals on.
ALTCHA_RISK_SHARE = 0.0
ALTCHA_PREFIX_BURST = 0
ALTCHA_AFTER_LIFT_HOURS = 0
THROTTLE_LOGIN_NETWORK = "50000/hour"
THROTTLE_VERIFY_NETWORK = "50000/hour"
# Tests that count statements must not meet a purge; the purge's own tests turn it on.
RATE_COUNTER_PURGE_EVERY = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_ROOT = None
# The tests choose their SMS route themselves: a developer's SMS_ROUTE must not send real SMS from them.
SMS_ROUTE: list[str] = []
