"""ReDoc (/api/redoc/) asks nothing of any other host: its page, its settings and its bundle."""

import re
from urllib.parse import urlsplit

import pytest

from common.redoc import SIDECAR_BUNDLE

pytestmark = pytest.mark.django_db

# Absolute URLs the bundle holds that no browser fetches: JSON Schema identifiers and XML namespaces,
# the footer's link, URLs in error messages, comments and examples, and the templates of a check that
# compares a URL with Redocly's registry (`https://api.${r}/registry/`). A host that shows up here after a
# sidecar upgrade needs a look: if ReDoc loads from it, serve that locally too (common/redoc.py).
NOT_FETCHED_HOSTS = {
    "json-schema.org",
    "www.w3.org",
    "raw.githubusercontent.com",
    "redocly.com",
    "api.${r}",
    "api.${i}",
    "reactjs.org",
    "fb.me",
    "git.io",
    "marked.js.org",
    "github.com",
    "stackoverflow.com",
    "example.com",
}
URL = re.compile(r"""https?://[^\s"'`)<>\\]+""")


def bundle_url_of(html: str) -> str:
    (src,) = re.findall(r'<script src="([^"]+)"', html)
    return src


def test_redoc_page_loads_only_from_this_origin(client):
    response = client.get("/api/redoc/")

    html = response.content.decode()
    assert response.status_code == 200
    assert URL.findall(html) == []  # no stylesheet, font, script or settings pointing elsewhere
    assert bundle_url_of(html) == "/api/redoc/redoc.standalone.js"
    assert '<redoc spec-url="/api/schema/">' in html


def test_redoc_bundle_has_its_logo_inline_instead_of_from_cdn_redoc_ly(client):
    html = client.get("/api/redoc/").content.decode()
    response = client.get(bundle_url_of(html))

    bundle = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert "cdn.redoc.ly" in SIDECAR_BUNDLE.read_text()  # what is being fixed: the stock bundle
    assert "cdn.redoc.ly" not in bundle
    assert 'n.createElement("img",{alt:"redocly logo",onError:()=>t(!1),src:"data:image/svg+xml,' in bundle
    assert "sourceMappingURL" not in bundle[-200:]
    hosts = {urlsplit(url).hostname for url in URL.findall(bundle)}
    assert hosts <= NOT_FETCHED_HOSTS, f"new hosts in the ReDoc bundle: {sorted(hosts - NOT_FETCHED_HOSTS)}"


def test_redoc_bundle_is_revalidated_with_its_etag(client):
    first = client.get("/api/redoc/redoc.standalone.js")
    again = client.get("/api/redoc/redoc.standalone.js", HTTP_IF_NONE_MATCH=first["ETag"])

    assert first["Cache-Control"] == "public, no-cache"
    assert again.status_code == 304
    assert again.content == b""


def test_redoc_bundle_refuses_other_methods_with_json(client):
    response = client.post("/api/redoc/redoc.standalone.js")

    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "POST" not allowed.'}
