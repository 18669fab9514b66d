"""Django protects the site by itself (make run has no nginx): a CSP per area and the other security headers."""

import re
from pathlib import Path

import pytest
import requests
from django.test import Client

from common.middleware import CONTENT_SECURITY_POLICIES, DEFAULT_CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY
from common.tests.helpers import gunicorn

REPO = Path(__file__).resolve().parents[3]
NGINX_TEMPLATE = REPO / "nginx" / "referral.conf.template"

COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def directives(policy: str) -> dict[str, str]:
    return dict((d.strip().split(" ", 1) + [""])[:2] for d in policy.split(";"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path,status,must_have",
    [
        ("/", None, {"script-src": "'self'", "style-src": "'self'", "default-src": "'self'"}),
        ("/profile", None, {"script-src": "'self'", "connect-src": "'self'", "frame-ancestors": "'none'"}),
        ("/api/health/", 200, {"default-src": "'none'", "frame-ancestors": "'none'"}),
        ("/api/profile/", 401, {"default-src": "'none'", "frame-ancestors": "'none'"}),
        ("/api/docs/", 200, {"script-src": "'self' 'unsafe-inline'", "style-src": "'self' 'unsafe-inline'"}),
        ("/api/redoc/", 200, {"script-src": "'self'", "style-src": "'self' 'unsafe-inline'", "worker-src": "blob:"}),
        ("/admin/login/", 200, {"script-src": "'self'", "style-src": "'self' 'unsafe-inline'"}),
    ],
)
def test_every_area_gets_its_policy_and_the_security_headers_from_django(path, status, must_have):
    response = Client().get(path)

    if status is not None:
        assert response.status_code == status
    for name, value in COMMON_HEADERS.items():
        assert response.headers[name] == value, name
    policy = directives(response.headers["Content-Security-Policy"])
    for name, value in must_have.items():
        assert policy[name] == value, name
    # Nothing but the docs may run inline scripts; nothing may be framed or load plugins.
    assert "'unsafe-inline'" not in policy.get("script-src", "") or path == "/api/docs/"
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]
    assert policy["frame-ancestors"] == "'none'"


def nginx_policies() -> tuple[list[tuple[str, str]], str]:
    """The map $uri $referral_csp of the nginx template: ([(prefix, policy)], default)."""
    block = re.search(r"map \$uri \$referral_csp \{(.*?)\n\}", NGINX_TEMPLATE.read_text(), flags=re.S).group(1)
    entries = re.findall(r'^\s*(default|~\^\S+)\s+"([^"]+)";', block, flags=re.M)
    default = next(policy for key, policy in entries if key == "default")
    return [(key.removeprefix("~^"), policy) for key, policy in entries if key != "default"], default


def test_django_s_policies_are_nginx_s_policies():
    """In the stack nginx drops Django's CSP and sends its own (two headers would both be enforced): the same
    page must be equally protected either way."""
    prefixes, default = nginx_policies()

    assert len(prefixes) == 4
    assert CONTENT_SECURITY_POLICIES == prefixes
    assert DEFAULT_CONTENT_SECURITY_POLICY == default
    assert f'add_header Permissions-Policy "{PERMISSIONS_POLICY}" always;' in NGINX_TEMPLATE.read_text()
    assert "proxy_hide_header Content-Security-Policy;" in NGINX_TEMPLATE.read_text()


@pytest.mark.server
@pytest.mark.django_db(transaction=True)
def test_the_web_app_s_files_served_by_whitenoise_carry_the_headers(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text('<!doctype html><script type="module" src="/assets/app-AbCd1234.js"></script>')
    (tmp_path / "assets" / "app-AbCd1234.js").write_text("console.log('app')")

    with gunicorn(SERVE_SPA="true", SPA_DIST_DIR=str(tmp_path)) as base:
        asset = requests.get(f"{base}/assets/app-AbCd1234.js", timeout=10)
        index = requests.get(f"{base}/", timeout=10)
        route = requests.get(f"{base}/profile", timeout=10)
        wrong_host = requests.get(f"{base}/assets/app-AbCd1234.js", headers={"Host": "evil.example"}, timeout=10)

    for response in (asset, index, route):
        assert response.status_code == 200
        assert response.headers["Content-Security-Policy"] == DEFAULT_CONTENT_SECURITY_POLICY
        for name, value in COMMON_HEADERS.items():
            assert response.headers[name] == value, (response.url, name)
    assert asset.text == "console.log('app')"
    assert "app-AbCd1234.js" in index.text and index.text == route.text
    # WhiteNoise answered any Host before; now an unknown one is refused first.
    assert wrong_host.status_code == 400
    assert wrong_host.text == "Bad request."
