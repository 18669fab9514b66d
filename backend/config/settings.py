"""Django settings, read from the environment (12-factor).

Every variable is listed with a one-line comment in the repository's `.env.example`.
The defaults are for local use only; production sets the secrets explicitly.
"""

import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = BASE_DIR.parent


class StrictEnv(environ.Env):
    """django-environ, strict: a value that can't be read stops the start with ImproperlyConfigured naming the
    variable. django-environ alone reads an unknown word as false (DJANGO_DEBUG=ture would be DEBUG off), keeps
    only the digits of a float ("1e3" is 13), raises a bare ValueError for an int, and reads "$NAME" as the value
    of the variable NAME (a generated secret may start with $). An empty flag or number (a blank line in .env)
    means its default, as an unset one does.
    """

    TRUE = {"1", "true", "yes", "on"}
    FALSE = {"0", "false", "no", "off"}

    @classmethod
    def parse_value(cls, value, cast):
        if cast is bool:
            if value.lower() not in cls.TRUE | cls.FALSE:
                raise ValueError("must be true or false")
            return value.lower() in cls.TRUE
        if cast is float:
            return float(value)
        if cast is list:
            return [item.strip() for item in value.split(",") if item.strip()]
        return super().parse_value(value, cast)

    def get_value(self, var, cast=None, default=environ.Env.NOTSET, parse_default=False):
        value = self.ENVIRON.get(var)
        if value == "" and cast in (bool, int, float):
            return default
        try:
            if value is not None and value.startswith("$"):
                return self.parse_value(value, cast)
            return super().get_value(var, cast=cast, default=default, parse_default=parse_default)
        except ValueError as exc:
            kind = {int: "an integer", float: "a number"}.get(cast)
            raise ImproperlyConfigured(f"{var} {f'must be {kind}' if kind else exc}, got {value!r}") from None


env = StrictEnv()


def repo_path(name: str, default: str) -> Path:
    """A path from the environment; relative ones (and the default) are taken from the repository's root."""
    return REPO_DIR / (env.str(name, default="") or default)


def env_seconds_range(name: str, default: str) -> tuple[float, float]:
    """Parse "1.0-2.0" (a uniform range) or "1.5" (a fixed value) into (low, high)."""
    raw = env.str(name, default=default).strip()
    low, _, high = raw.partition("-")
    try:
        low_f = float(low)
        high_f = float(high) if high else low_f
    except ValueError:
        raise ImproperlyConfigured(f"{name} must look like 1.0-2.0 or 0, got {raw!r}") from None
    if low_f < 0 or high_f < low_f:
        raise ImproperlyConfigured(f"{name} must be a non-negative range low-high, got {raw!r}")
    return low_f, high_f


def _running_under_gevent() -> bool:
    try:
        from gevent import monkey
    except ImportError:
        return False
    return monkey.is_module_patched("socket")


DEBUG = env.bool("DJANGO_DEBUG", default=False)
# No fallback, not even with DEBUG: a key written in the code would let anyone who reads the repository sign
# sessions (and, for JWT_SIGNING_KEY below, tokens for any user) on every server that forgot to set it.
# `make run` makes random ones per checkout (backend/scripts/local_secrets.py).
_SECRET_HINT = 'set it (python3 -c "import secrets; print(secrets.token_urlsafe(50))"), or use make run'
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    raise ImproperlyConfigured(f"DJANGO_SECRET_KEY is not set: {_SECRET_HINT}.")

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    # Before drf_spectacular: its template overrides (the ReDoc page) must be found first.
    "common",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    # The task queue (in PostgreSQL) that delivers the webhooks: its tables, `manage.py procrastinate worker`.
    "procrastinate.contrib.django",
    "events",
    "users",
    "authentication",
]

MIDDLEWARE = [
    # The security headers wrap every answer, WhiteNoise's files too, and an unknown Host is refused before
    # anything else runs (common/middleware.py says why).
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "common.middleware.SecurityHeadersMiddleware",
    "common.middleware.RejectUnknownHostMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # The request's language (Accept-Language, among LANGUAGES) for the messages the server translates. (It reads
    # no session since Django 4.0, so it may come before SessionMiddleware.)
    "django.middleware.locale.LocaleMiddleware",
    # GETs of the hottest reads (views with a read_path, e.g. the profile) are answered here: what follows only
    # writes, forms and the admin need (common/read_path.py).
    "common.read_path.ReadPathMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Last, as axes asks: it turns a locked-out admin sign-in into its 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# The embedded default is a SQLite file so `make run` works with nothing else installed;
# PostgreSQL (DATABASE_URL=postgres://...) is the database of record and what the tests use. The URL is read by
# dj-database-url, as the scripts that pick and create the database do (backend/scripts/run_db.py): one reading of
# it everywhere (django-environ's own reads a socket directory spelled %2Fvar%2Frun as a host name).
DATABASES = {
    "default": dj_database_url.parse(
        env.str("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        # Django's own persistent connections are per thread; under gevent every request is its own
        # greenlet, so they would leak. Connections are pooled below instead.
        conn_max_age=0,
    )
}
DB_POOL_MAX_CONNS = env.int("DB_POOL_MAX_CONNS", default=16)
# Behind PgBouncer in transaction pooling (docker compose) each transaction may run on another server
# connection, so a cursor declared in one can't be read in the next.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool("DB_DISABLE_SERVER_SIDE_CURSORS", default=False)
# Statements run through common.db.prepared's cursors (the hottest reads) are prepared on a connection's first use
# of them; Django's own cursors never prepare. Off only for a pooler that can't keep prepared statements
# (PgBouncer before 1.21, or its max_prepared_statements at 0).
DB_PREPARED_STATEMENTS = env.bool("DB_PREPARED_STATEMENTS", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 0 if DB_PREPARED_STATEMENTS else None
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and _running_under_gevent():
    # Under gunicorn's gevent workers every request borrows a connection from a per-worker pool and
    # gives it back at the end: no connect per request, and a burst larger than the pool queues for a
    # connection instead of overrunning PostgreSQL's max_connections. (The pool needs gevent, so
    # management commands and the tests, which run without it, use the plain backend.)
    DATABASES["default"]["ENGINE"] = "common.db.pooled_postgresql"
    DATABASES["default"]["OPTIONS"] |= {"MAX_CONNS": DB_POOL_MAX_CONNS, "REUSE_CONNS": DB_POOL_MAX_CONNS}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # BEGIN IMMEDIATE takes the write lock up front, so concurrent writers queue instead of
    # failing with "database is locked" when a read transaction upgrades to a write.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}

CACHES = {
    # Nothing keeps data here now (the request caps count in common.RateCounter); should anything, a database
    # table is shared by every process and machine of the deployment, like all other state.
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "django_cache",
    }
}

AUTH_USER_MODEL = "users.User"
# axes first: a locked-out sign-in is refused before ModelBackend hashes its password. Only the admin signs in with
# a password; the API's JWT authentication never calls authenticate(), so axes doesn't see it.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# PBKDF2 (the stored "pbkdf2_sha256" hashes) computed off the gevent event loop, so a sign-in flood doesn't stall
# every other request of the worker; PASSWORD_HASH_THREADS bounds the threads per worker (common/hashers.py). One
# each: gunicorn already runs a worker per core, so more threads would only take CPU from the event loops.
PASSWORD_HASHERS = [
    "common.hashers.ThreadPoolPBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
PASSWORD_HASH_THREADS = env.int("PASSWORD_HASH_THREADS", default=1)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = repo_path("STATIC_ROOT", "backend/staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# The built single-page app. When it exists, Django serves it at / (nginx does it in the full stack).
SPA_DIST_DIR = repo_path("SPA_DIST_DIR", "frontend/dist")
SERVE_SPA = env.bool("SERVE_SPA", default=True)
# WhiteNoise serves the SPA's own files (index.html, /assets/*) from the site root.
WHITENOISE_ROOT = SPA_DIST_DIR if SERVE_SPA and SPA_DIST_DIR.is_dir() else None
# Files whose names carry a content hash are cached for good: Vite's /assets/name-HASH.js and
# collectstatic's /static/name.HASH.css.
WHITENOISE_IMMUTABLE_FILE_TEST = r"^/(assets/.+-[0-9A-Za-z_-]{8}\.\w+|static/.+\.[0-9a-f]{12}\.\w+)$"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024  # the API's bodies are tiny; refuse big ones early

# No other origin may call the API unless configured: the web app is same-origin (Django or nginx serve it, and
# `make dev`'s Vite proxies /api), so it needs none.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"

# Number of reverse proxies in front of the app whose X-Forwarded-For entry is trusted:
# 0 when clients connect directly, 1 behind the project's nginx.
TRUSTED_PROXY_HOPS = env.int("TRUSTED_PROXY_HOPS", default=0)
if TRUSTED_PROXY_HOPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["authentication.tokens.SessionJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["common.parsers.SafeJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "common.exceptions.api_exception_handler",
    "NUM_PROXIES": TRUSTED_PROXY_HOPS,
    "UNAUTHENTICATED_USER": None,
}

JWT_SIGNING_KEY = env.str("JWT_SIGNING_KEY", default="")
if not JWT_SIGNING_KEY:
    raise ImproperlyConfigured(f"JWT_SIGNING_KEY is not set: {_SECRET_HINT}.")

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(seconds=env.int("JWT_ACCESS_TTL_SECONDS", default=600)),
    "REFRESH_TOKEN_LIFETIME": timedelta(seconds=env.int("JWT_REFRESH_TTL_SECONDS", default=7 * 24 * 3600)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": JWT_SIGNING_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Referral API",
    "DESCRIPTION": (
        "Sign in with a phone number and a 4-digit SMS code, get JWT tokens, "
        "activate someone's invite code and see who activated yours."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every error `code` as one enum (with its English message), the 429 codes as their own.
    "ENUM_NAME_OVERRIDES": {
        "ErrorCode": "common.exceptions.ErrorCode",
        "RateLimitCode": "common.exceptions.RateLimitCode",
        "UnavailableCode": "common.schema.UNAVAILABLE_CODES",
    },
}

# ---- Phone sign-in ----
PHONE_DEFAULT_REGION = env.str("PHONE_DEFAULT_REGION", default="RU")
# Countries codes are sent to (ISO 3166 codes, "*" for any); satellite numbers never get one.
OTP_ALLOWED_REGIONS = [region.upper() for region in env.list("OTP_ALLOWED_REGIONS", default=[PHONE_DEFAULT_REGION])]
SMS_BACKEND = env.str("SMS_BACKEND", default="authentication.sms.console.ConsoleSmsBackend")
# Providers tried in order (console, smsaero, smsru, twilio or dotted paths); empty: SMS_BACKEND alone.
SMS_ROUTE = env.list("SMS_ROUTE", default=[])
# Seconds each provider may take to connect, and again to answer, before the route skips it.
SMS_SEND_TIMEOUT = env.float("SMS_SEND_TIMEOUT", default=10.0)
SMSRU_API_ID = env.str("SMSRU_API_ID", default="")
SMSRU_FROM = env.str("SMSRU_FROM", default="")
SMSRU_API_URL = env.str("SMSRU_API_URL", default="https://sms.ru")
SMSAERO_EMAIL = env.str("SMSAERO_EMAIL", default="")
SMSAERO_API_KEY = env.str("SMSAERO_API_KEY", default="")
SMSAERO_SIGN = env.str("SMSAERO_SIGN", default="SMS Aero")
SMSAERO_API_URL = env.str("SMSAERO_API_URL", default="https://gate.smsaero.ru/v2")
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM = env.str("TWILIO_FROM", default="")
TWILIO_API_URL = env.str("TWILIO_API_URL", default="https://api.twilio.com")
OTP_SEND_DELAY = env_seconds_range("OTP_SEND_DELAY", "1.0-2.0")
OTP_ECHO = env.bool("OTP_ECHO", default=False)
OTP_TTL_SECONDS = env.int("OTP_TTL_SECONDS", default=300)
OTP_RESEND_SECONDS = env.int("OTP_RESEND_SECONDS", default=60)
OTP_MAX_SENDS_PER_DAY = env.int("OTP_MAX_SENDS_PER_DAY", default=10)
OTP_MAX_ATTEMPTS = env.int("OTP_MAX_ATTEMPTS", default=5)
OTP_MAX_FAILURES_PER_DAY = env.int("OTP_MAX_FAILURES_PER_DAY", default=10)
OTP_HARDENED_CODE_LENGTH = env.int("OTP_HARDENED_CODE_LENGTH", default=8)
# Codes per hour to the numbers that differ only in their last 4 digits (10,000 numbers): pumping walks a range.
OTP_MAX_SENDS_PER_PREFIX_PER_HOUR = env.int("OTP_MAX_SENDS_PER_PREFIX_PER_HOUR", default=20)
# Proof of work (ALTCHA, common/proof_of_work.py) before a risky /api/login/: 428 with a challenge the client solves.
# Risky: the client's address or network has used ALTCHA_RISK_SHARE of its THROTTLE_LOGIN(_NETWORK) cap this hour
# (0: never), or ALTCHA_PREFIX_BURST codes went to the number's prefix this hour (0: never), or an operator lifted a
# block of the number's prefix (the conversion watch's) in the last ALTCHA_AFTER_LIFT_HOURS (0: never).
# ALTCHA_MAX_NUMBER is the work: the solver tries up to that many SHA-256 hashes (100,000: about a second in a browser).
ALTCHA_RISK_SHARE = env.float("ALTCHA_RISK_SHARE", default=0.5)
ALTCHA_PREFIX_BURST = env.int("ALTCHA_PREFIX_BURST", default=10)
ALTCHA_AFTER_LIFT_HOURS = env.int("ALTCHA_AFTER_LIFT_HOURS", default=24)
ALTCHA_MAX_NUMBER = env.int("ALTCHA_MAX_NUMBER", default=100_000)
# SMS that may leave per hour, all numbers together (a fixed window shared by every process): past it no code is
# sent until the hour ends (503 sms_budget_exhausted) and an error is logged once. Sized to a few times the peak hour.
SMS_BUDGET_PER_HOUR = env.int("SMS_BUDGET_PER_HOUR", default=1000)
# Conversion watch: a number prefix or a country whose last-24 h codes number at least OTP_CONVERSION_MIN_SENDS and
# of which less than OTP_MIN_CONVERSION were used is blocked until an operator lifts it (OTP_MIN_CONVERSION=0: off).
OTP_CONVERSION_MIN_SENDS = env.int("OTP_CONVERSION_MIN_SENDS", default=50)
OTP_MIN_CONVERSION = env.float("OTP_MIN_CONVERSION", default=0.2)
# Countries the watch never blocks as a whole (their prefixes still can be): by default the home country, or
# 50 unread codes to random numbers of it would switch SMS sign-in off for everyone there.
OTP_CONVERSION_WATCH_EXEMPT_REGIONS = [
    region.upper() for region in env.list("OTP_CONVERSION_WATCH_EXEMPT_REGIONS", default=[PHONE_DEFAULT_REGION])
]
# Numbers with a fixed code that never send an SMS and never count against the send limits (app-store
# reviewers, demos, CI): "+79990000001=1234,+79990000002=5678".
OTP_TEST_NUMBERS: dict[str, str] = {}
for _entry in env.list("OTP_TEST_NUMBERS", default=[]):
    _phone, _, _code = _entry.partition("=")
    if not re.fullmatch(r"\+[1-9]\d{7,14}", _phone) or not re.fullmatch(r"\d{4}", _code):
        raise ImproperlyConfigured(f"OTP_TEST_NUMBERS: {_entry!r} is not +E164=4 digits, e.g. +79990000001=1234.")
    OTP_TEST_NUMBERS[_phone] = _code
# The SMS text per language, {code} standing for the code; the request's language picks one (else the first).
# Each must fit one SMS with an 8-digit code: 160 GSM characters, or 70 when it has others (Cyrillic).
OTP_SMS_TEXT = {
    "ru": env.str("OTP_SMS_TEXT_RU", default="Код для входа: {code}"),
    "en": env.str("OTP_SMS_TEXT_EN", default="Your sign-in code: {code}"),
}
for _language, _text in OTP_SMS_TEXT.items():
    _longest = _text.replace("{code}", "0" * 10)
    # GSM 03.38 holds ASCII but for these (they take two places); anything else makes the SMS UCS-2, 70 wide.
    _room = 160 if _longest.isascii() and not set(_longest) & set("[]{}|^~\\`") else 70
    if "{code}" not in _text or len(_longest) > _room:
        raise ImproperlyConfigured(f"OTP_SMS_TEXT_{_language.upper()} must hold {{code}} and fit one SMS ({_room}).")
if not 6 <= OTP_HARDENED_CODE_LENGTH <= 10:
    raise ImproperlyConfigured("OTP_HARDENED_CODE_LENGTH must be between 6 and 10.")
THROTTLE_LOGIN = env.str("THROTTLE_LOGIN", default="20/hour")
THROTTLE_VERIFY = env.str("THROTTLE_VERIFY", default="60/hour")


def _rate_times(rate: str, factor: int) -> str:
    count, _, period = rate.partition("/")
    return f"{int(count) * factor}/{period}" if count.strip().isdigit() else rate


# Per-network caps (an IPv4 /24, an IPv6 /64) beside the per-address ones: an IPv6 client holds a whole /64 and
# would otherwise get a fresh budget per address. Unset: 5× the per-address rate. A household or an office behind
# one NAT is one address, held to the per-address cap anyway; 5× leaves room for the few neighbours that share a
# /24 (a provider's NAT pool, an office's own block) or a /64 (one home's devices, each with its own addresses).
THROTTLE_LOGIN_NETWORK = env.str("THROTTLE_LOGIN_NETWORK", default="") or _rate_times(THROTTLE_LOGIN, 5)
THROTTLE_VERIFY_NETWORK = env.str("THROTTLE_VERIFY_NETWORK", default="") or _rate_times(THROTTLE_VERIFY, 5)
# POST /api/invites/{code}/open/ per client address (an IPv6 client's /64): a person opens a link a few times; this
# bounds the opens one address can make up with fresh browser ids.
THROTTLE_INVITE_OPEN = env.str("THROTTLE_INVITE_OPEN", default="120/hour")
THROTTLE_INVITE_OPEN_NETWORK = env.str("THROTTLE_INVITE_OPEN_NETWORK", default="") or _rate_times(
    THROTTLE_INVITE_OPEN, 5
)
# The throttles delete ended counter windows (common/ratelimit.py) on every this many requests of a process.
RATE_COUNTER_PURGE_EVERY = 1000

# ---- Admin sign-in (django-axes; users/admin_lockout.py) ----
# Wrong passwords, counted in the database, lock an account (any spelling of its phone) whatever the address, and
# an address whatever the account, for the cool-off; a locked sign-in answers 429 without hashing anything.
# `manage.py axes_reset` unlocks everything (axes_reset_username / axes_reset_ip one of them).
AXES_FAILURE_LIMIT = env.int("ADMIN_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("ADMIN_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "users.admin_lockout.AdminLoginLockoutHandler"
AXES_USERNAME_FORM_FIELD = "username"  # the admin form's field (it holds the phone)
AXES_USERNAME_CALLABLE = "users.admin_lockout.admin_login_username"
AXES_CLIENT_IP_CALLABLE = "users.admin_lockout.admin_login_client_ip"
# Attempts made while locked don't extend the lock (and cost no write): it lifts a fixed cool-off after the
# failure that set it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True

# ---- Webhooks (events/; README "Webhooks") ----
# Receivers of every event: comma-separated "url|whsec_..." pairs, or bare URLs sharing WEBHOOK_SECRET. Written into
# the database by `manage.py webhook_endpoints_sync` on every start; more can be added in the admin.
WEBHOOK_ENDPOINTS: list[tuple[str, str]] = []
for _entry in env.list("WEBHOOK_URL", default=[]):
    _url, _, _secret = _entry.partition("|")
    _secret = _secret.strip() or env.str("WEBHOOK_SECRET", default="")
    if not re.fullmatch(r"https?://\S+", _url.strip()) or not re.fullmatch(r"whsec_[A-Za-z0-9+/]{16,}={0,2}", _secret):
        raise ImproperlyConfigured(
            f"WEBHOOK_URL: {_entry!r} needs an http(s) URL and a whsec_<base64> secret "
            "(url|whsec_..., or the URL alone and WEBHOOK_SECRET)."
        )
    WEBHOOK_ENDPOINTS.append((_url.strip(), _secret))
# Attempts per delivery (the first included) before it is marked failed; seconds a receiver has to answer.
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=10.0)
# The wait before the first retry, doubled before each next one: 30 s, 1, 2, 4, 8, 16, 32 min (8 attempts, ~1 h).
WEBHOOK_RETRY_BASE = env.float("WEBHOOK_RETRY_BASE", default=30.0)
# How often a worker looks for delivery jobs left running by a dead worker (a divisor of 60).
WEBHOOK_STALLED_CHECK_SECONDS = 10
PROCRASTINATE_WORKER_DEFAULTS = {
    "queues": ["webhooks"],
    # A worker that missed heartbeats for this long is dead: its jobs are retried (events.tasks).
    "update_heartbeat_interval": 10.0,
    "stalled_worker_timeout": 60.0,
    # Finished jobs go; the deliveries keep the record.
    "delete_jobs": "successful",
}
DATABASE_ROUTERS = ["events.routers.ProcrastinateOnPostgresqlOnly"]

# ---- Invite codes ----
INVITE_MAX_FAILURES_PER_HOUR = env.int("INVITE_MAX_FAILURES_PER_HOUR", default=10)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # procrastinate says at every start of every command which tasks it registered, and in the worker every
        # job's start and end (the stalled-jobs check's every 10 s): events.tasks logs each delivery itself.
        "procrastinate.periodic": {"level": "WARNING"},
        "procrastinate.blueprints": {"level": "WARNING"},
        "procrastinate.worker": {"level": "WARNING"},
    },
}

# The same headers as nginx sets in the stack, so `make run` (Django alone) is protected as well.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
    CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
