from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from common.redoc import RedocView, redoc_bundle_view
from common.views import HealthApi, json_not_found, spa_index

api_patterns = [
    path("", include("authentication.urls")),
    path("", include("users.urls")),
    path("health/", HealthApi.as_view(), name="health"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("redoc/", RedocView.as_view(url_name="schema"), name="redoc"),
    path("redoc/redoc.standalone.js", redoc_bundle_view, name="redoc-bundle"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    # Unknown API paths answer JSON even with DEBUG on (Django's debug 404 page is HTML).
    re_path(r"^.*$", json_not_found),
]

urlpatterns = [
    path("api/", include(api_patterns)),
    path("admin/", admin.site.urls),
]

if settings.SERVE_SPA:
    # Every other path is a client-side route of the single-page app.
    urlpatterns.append(re_path(r"^(?!api/|admin/|static/)(?P<route>.*)$", spa_index, name="spa"))

handler400 = "common.views.json_bad_request"
handler403 = "common.views.json_permission_denied"
handler404 = "common.views.json_not_found"
handler500 = "common.views.json_server_error"
