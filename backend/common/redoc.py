"""ReDoc (/api/redoc/) with no request leaving this origin.

drf-spectacular-sidecar ships ReDoc's standalone bundle, and our template drops the stock page's Google
Fonts, but the bundle itself hard-codes one third-party URL: the logo of its "API docs by Redocly" footer,
an <img> from cdn.redoc.ly that no ReDoc option turns off (drf-spectacular-sidecar issue #11). The
Content Security Policy blocks it, which logs an error on every load, and it would tell a third party
who reads our docs. So the page loads the bundle from here, with that image inlined as a data: URI.
"""

import hashlib
import re
from functools import lru_cache
from pathlib import Path

import drf_spectacular_sidecar
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import etag
from drf_spectacular.views import SpectacularRedocView

SIDECAR_BUNDLE = (
    Path(drf_spectacular_sidecar.__file__).parent / "static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
)
# The footer's <img src="https://cdn.redoc.ly/redoc/logo-mini.svg">, in the minified bundle.
THIRD_PARTY_LOGO = re.compile(r'src:"https://cdn\.redoc\.ly/[^"]*"')
# A neutral document mark, 15 px wide in the footer, drawn in the sidebar's default text colour.
LOCAL_LOGO = (
    "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16' fill='none' "
    "stroke='%23333' stroke-width='1.5'%3E%3Cpath d='M3.5 1.5h6l3 3v10h-9z'/%3E"
    "%3Cpath d='M6 8h4M6 11h4'/%3E%3C/svg%3E"
)
# Relative to the bundle's URL, which is no longer next to the map: drop it rather than answer 404s.
SOURCE_MAP = re.compile(r"\n//# sourceMappingURL=\S+\s*$")


@lru_cache(maxsize=1)
def redoc_bundle() -> tuple[bytes, str]:
    """The sidecar's bundle with its logo inlined, and its ETag. Read once per process."""
    text = SIDECAR_BUNDLE.read_text(encoding="utf-8")
    text = THIRD_PARTY_LOGO.sub(f'src:"{LOCAL_LOGO}"', text)
    text = SOURCE_MAP.sub("\n", text)
    body = text.encode()
    return body, f'"{hashlib.sha256(body).hexdigest()[:32]}"'


@cache_control(public=True, no_cache=True)  # revalidated by ETag: a sidecar upgrade shows at once
@etag(lambda request: redoc_bundle()[1])
def redoc_bundle_view(request):
    if request.method not in ("GET", "HEAD"):
        # JSON like every other answer under /api/ (require_GET would answer an empty text/html 405).
        return JsonResponse({"detail": f'Method "{request.method}" not allowed.'}, status=405, headers={"Allow": "GET"})
    return HttpResponse(redoc_bundle()[0], content_type="text/javascript; charset=utf-8")


class RedocView(SpectacularRedocView):
    """drf-spectacular's ReDoc page, loading the bundle above instead of the sidecar's static copy."""

    @staticmethod
    def _redoc_standalone() -> str:
        return reverse("redoc-bundle")
