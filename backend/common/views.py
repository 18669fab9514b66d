"""Views that belong to no domain: health check, JSON error pages under /api/, the SPA shell."""

from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from common.exceptions import ErrorCode, error_body

HealthSerializer = inline_serializer("HealthOutput", {"status": serializers.CharField()})


class HealthApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["Docs & health"],
        summary="Health check",
        description="Makes a database round trip. 200 when the API can serve, 503 when the database is unreachable.",
        responses={200: HealthSerializer, 503: HealthSerializer},
        examples=[
            OpenApiExample("Healthy", value={"status": "ok"}, response_only=True, status_codes=["200"]),
            OpenApiExample("Database down", value={"status": "unavailable"}, response_only=True, status_codes=["503"]),
        ],
    )
    def get(self, request):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except DatabaseError:
            # Drop the broken connection so the next request reconnects on its own.
            connection.close_if_unusable_or_obsolete()
            return Response({"status": "unavailable"}, status=503)
        return Response({"status": "ok"})


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def json_bad_request(request, exception=None):
    if _is_api(request):
        return JsonResponse(error_body(ErrorCode.BAD_REQUEST), status=400)
    return HttpResponse("Bad request.", status=400, content_type="text/plain")


def json_permission_denied(request, exception=None):
    if _is_api(request):
        return JsonResponse(error_body(ErrorCode.PERMISSION_DENIED), status=403)
    return HttpResponse("Forbidden.", status=403, content_type="text/plain")


def json_not_found(request, exception=None):
    if _is_api(request):
        return JsonResponse(error_body(ErrorCode.NOT_FOUND), status=404)
    return HttpResponse("Not found.", status=404, content_type="text/plain")


def json_server_error(request):
    if _is_api(request):
        return JsonResponse(error_body(ErrorCode.SERVER_ERROR), status=500)
    return HttpResponse("Internal server error.", status=500, content_type="text/plain")


@lru_cache(maxsize=1)
def _spa_index(path: Path) -> bytes:
    return path.read_bytes()


@require_GET
def spa_index(request, route: str = ""):
    """Serve the SPA's index.html for every client route, so deep links and reloads work."""
    index = Path(settings.SPA_DIST_DIR) / "index.html"
    if not index.is_file():
        return HttpResponse(
            "The web app is not built yet: run `make run` (or `npm run build` in frontend/).",
            status=404,
            content_type="text/plain",
        )
    body = _spa_index(index) if not settings.DEBUG else index.read_bytes()
    response = HttpResponse(body, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response
