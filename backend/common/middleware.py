"""Security middleware of the whole site: one Content-Security-Policy per area, and bad Host headers refused early.

Django serves everything itself in `make run` (the web app through WhiteNoise, the API, its docs, the admin),
so it must protect it without nginx in front. In the stack nginx drops these headers from Django's answers and
sets the same ones itself (it also serves the web app and /static/ without Django); a test keeps the two
policy tables identical.
"""

import logging

from django.core.exceptions import DisallowedHost
from django.http import HttpResponse, JsonResponse

from common.exceptions import ErrorCode, error_body

security_logger = logging.getLogger("django.security.DisallowedHost")

_SELF_ONLY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

# (path prefix, policy), first match wins; the same table as the map $uri $referral_csp in
# nginx/referral.conf.template, which says why each area needs what it allows.
CONTENT_SECURITY_POLICIES: list[tuple[str, str]] = [
    (
        "/api/docs/",
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'",
    ),
    (
        "/api/redoc/",
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "font-src 'self' data:; connect-src 'self'; worker-src blob:; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'",
    ),
    ("/api/", "default-src 'none'; frame-ancestors 'none'"),
    (
        "/admin/",
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
        "frame-ancestors 'none'",
    ),
]
# Everything else: the single-page app (and /static/), which needs nothing but its own files.
DEFAULT_CONTENT_SECURITY_POLICY = _SELF_ONLY
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=()"


def content_security_policy(path: str) -> str:
    for prefix, policy in CONTENT_SECURITY_POLICIES:
        if path.startswith(prefix):
            return policy
    return DEFAULT_CONTENT_SECURITY_POLICY


class SecurityHeadersMiddleware:
    """Content-Security-Policy by area and Permissions-Policy, on every answer (WhiteNoise's files included:
    this sits outside WhiteNoiseMiddleware). Django's SecurityMiddleware and XFrameOptionsMiddleware set the rest."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", content_security_policy(request.path))
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        # drf-spectacular's Swagger UI page relaxes this to unsafe-none for OAuth2 sign-in pop-ups, which this
        # API (bearer tokens) has none of; nginx sets same-origin everywhere too.
        response["Cross-Origin-Opener-Policy"] = "same-origin"
        return response


class RejectUnknownHostMiddleware:
    """A Host header outside ALLOWED_HOSTS answers a plain 400 here, before anything else runs.

    Left to Django, DisallowedHost is raised deep inside (CommonMiddleware) and, with DEBUG on, answered with the
    technical page that lists settings and paths; WhiteNoise's files didn't check the host at all."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            request.get_host()
        except DisallowedHost as exc:
            security_logger.error("%s", exc)
            if request.path.startswith("/api/"):
                return JsonResponse(error_body(ErrorCode.BAD_HOST), status=400)
            return HttpResponse("Bad request.", status=400, content_type="text/plain")
        return self.get_response(request)
