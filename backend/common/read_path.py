"""The read path: a GET of the API's hottest reads answered without what only writes need.

Middleware below ReadPathMiddleware (sessions, CommonMiddleware's redirects, CSRF, the session user, messages,
the admin's lockout) and DRF's dispatch (request wrapping, content negotiation, authenticator and permission
objects, the output serializer's field copies) serve forms, cookies and writes; for `GET /api/profile/` they cost
more CPU than the read itself. A view offers a read path by defining a `read_path(request)` class method: it
answers the ordinary case, and returns None for anything else (no token or a refused one, an Accept header it
doesn't serve, a database error), which then goes the full way and is answered exactly as before. Everything
above it still runs: the security headers, the Host check, CORS and the language (its Content-Language and Vary).
"""

from functools import cache, lru_cache

from django.conf import settings
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from rest_framework.renderers import JSONRenderer

# Accept values a JSON answer satisfies as DRF's negotiation would (its only renderer is JSON); anything else
# (another type, or parameters such as DRF's indent=4) goes the full way, to DRF's negotiation and renderer.
_JSON_MEDIA_RANGES = frozenset({"*/*", "application/*", "application/json"})


@lru_cache(maxsize=256)
def _read_view_of(urlconf: str, path: str):
    """The view class answering `path` if it has a read path (for paths without arguments), else None."""
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return None
    view_class = getattr(match.func, "view_class", None)
    if match.args or match.kwargs or not hasattr(view_class, "read_path"):
        return None
    return view_class


class ReadPathMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "GET" and not request.META.get("QUERY_STRING"):
            view_class = _read_view_of(getattr(request, "urlconf", None) or settings.ROOT_URLCONF, request.path_info)
            if view_class is not None and (response := view_class.read_path(request)) is not None:
                return response
        return self.get_response(request)


def read_path_principal(view_class, request):
    """Who the request is, as the view's own authentication says for a read path (its `read_path_principal`), or
    None: no such authentication, no credentials, or refused ones (the full path then answers)."""
    for authentication_class in view_class.authentication_classes:
        if hasattr(authentication_class, "read_path_principal"):
            return authentication_class().read_path_principal(request)
    return None


def accepts_json(request) -> bool:
    accept = request.META.get("HTTP_ACCEPT")
    if not accept:
        return True
    return any(media_range.strip() in _JSON_MEDIA_RANGES for media_range in accept.split(","))


@cache
def _allow(view_class) -> str:
    view = view_class()
    view.setup(None)  # as as_view() does: a view with get() also answers HEAD
    return ", ".join(view.allowed_methods)


def json_read_response(view_class, data) -> HttpResponse:
    """The 200 that DRF would send for `data` from `view_class`: the same JSON bytes and headers."""
    response = HttpResponse(JSONRenderer().render(data), content_type="application/json")
    response["Allow"] = _allow(view_class)
    response["Content-Length"] = str(len(response.content))  # as CommonMiddleware sets it on the full path
    return response
