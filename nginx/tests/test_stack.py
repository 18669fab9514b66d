"""The running stack: nginx in front of two backend instances that share PostgreSQL."""

from __future__ import annotations

import re
import time
import uuid

import pytest
from conftest import THROTTLE_LOGIN, Client, access_log_line, free_ports, new_phone, next_source_ip

JSON = {"Content-Type": "application/json"}


def login(client: Client, phone: str, **headers):
    return client.post("/api/login/", json={"phone": phone}, headers=headers)


def sign_in(client: Client, phone: str) -> dict:
    sent = login(client, phone)
    assert sent.status_code == 200, sent.text
    verified = client.post("/api/verify/", json={"phone": phone, "token": sent.json()["code"]})
    assert verified.status_code == 200, verified.text
    return verified.json()


def headers_of(response, name: str) -> list[str]:
    return response.raw.headers.getlist(name)


# ---- the SPA and static files ----


def test_client_side_routes_get_index_html_revalidated_every_time(stack):
    index = (stack.spa / "index.html").read_text()
    client = stack.client()
    for path in ["/", "/profile", "/some/deep/client/route?tab=1"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Content-Type"].startswith("text/html")
        assert response.text == index
        assert response.headers["Cache-Control"] == "no-cache"


def test_hashed_assets_are_cached_for_a_year_and_compressed(stack):
    asset = re.search(r'src="(/assets/[^"]+\.js)"', (stack.spa / "index.html").read_text()).group(1)
    response = stack.client().get(asset, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == "gzip"
    assert "javascript" in response.headers["Content-Type"]


def test_a_missing_asset_is_a_404_not_the_index_page(stack):
    response = stack.client().get("/assets/index-doesnotexist.js")
    assert response.status_code == 404
    assert "Cache-Control" not in response.headers


def test_collected_static_files_are_served_by_nginx(stack):
    docs = stack.client().get("/api/docs/")
    assert docs.status_code == 200
    css = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', docs.text).group(1)
    response = stack.client().get(css, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/css"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == "gzip"
    # Served from disk by nginx (with an ETag), not by Django.
    assert "ETag" in response.headers and "Vary" in response.headers


# ---- headers ----


@pytest.mark.parametrize(
    "path", ["/", "/profile", "/api/health/", "/api/docs/", "/api/redoc/", "/admin/login/", "/assets/nope.js"]
)
def test_security_headers_are_on_every_response_exactly_once(stack, path):
    response = stack.client().get(path)
    assert response.status_code in (200, 404)
    for name, value in {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    }.items():
        assert headers_of(response, name) == [value], name
    (csp,) = headers_of(response, "Content-Security-Policy")
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp or "default-src 'none'" in csp
    # Plain HTTP without a trusted TLS proxy in front: no HSTS.
    assert "Strict-Transport-Security" not in response.headers
    assert response.headers["Server"] == "nginx"  # no version


def test_the_spa_policy_allows_only_its_own_scripts(stack):
    csp = stack.client().get("/").headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    api = stack.client().get("/api/health/").headers["Content-Security-Policy"]
    assert api.startswith("default-src 'none'")


@pytest.mark.parametrize("path", ["/api/health/", "/api/docs/", "/api/redoc/", "/admin/login/"])
def test_nginx_sends_one_policy_the_same_as_the_backend_s_own(stack, path):
    # nginx drops Django's CSP and adds its own: one header (browsers enforce every one), the same policy.
    direct = stack.backend_client(0).get(path)
    proxied = stack.client().get(path)
    assert direct.status_code == proxied.status_code == 200
    assert headers_of(proxied, "Content-Security-Policy") == [direct.headers["Content-Security-Policy"]]


def test_a_host_the_backend_does_not_serve_is_a_json_400_through_nginx(stack):
    response = stack.client().get("/api/health/", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert response.json() == {"detail": "This server does not answer to that host name.", "code": "bad_host"}
    assert "Traceback" not in response.text


def test_oversized_body_is_refused_by_nginx_with_json(stack):
    response = stack.client().post("/api/login/", data=b'{"phone": "' + b"1" * 100_000 + b'"}', headers=JSON)
    assert response.status_code == 413
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Request body is too large.", "code": "request_too_large"}


@pytest.mark.parametrize("path", ["/api/login/", "/api/verify/", "/api/token/refresh/", "/api/logout/"])
def test_deeply_nested_json_is_a_json_400_through_nginx(stack, path):
    body = "[" * 1000 + "]" * 1000
    response = stack.client().post(path, data=body, headers=JSON)
    assert response.status_code == 400, response.text[:300]
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"detail": "JSON parse error - the body is nested too deeply.", "code": "parse_error"}


# ---- two backends, one state ----


def test_a_code_requested_on_one_backend_verifies_on_the_other(stack):
    first, second = stack.backend_client(0), stack.backend_client(1)
    client_ip = {"X-Forwarded-For": next_source_ip()}
    phone = new_phone()
    sent = first.post("/api/login/", json={"phone": phone}, headers=client_ip)
    assert sent.status_code == 200, sent.text
    verified = second.post("/api/verify/", json={"phone": phone, "token": sent.json()["code"]}, headers=client_ip)
    assert verified.status_code == 200, verified.text
    assert verified.json()["is_new"] is True
    # The session works on both instances, and the same code can't be used again on either.
    for backend in (first, second):
        auth = {"Authorization": f"Bearer {verified.json()['access']}"}
        profile = backend.get("/api/profile/", headers=auth)
        assert profile.status_code == 200 and profile.json()["phone"] == phone
        again = backend.post("/api/verify/", json={"phone": phone, "token": sent.json()["code"]}, headers=client_ip)
        assert again.status_code == 400


def test_the_resend_cooldown_counts_across_backends(stack):
    first, second = stack.backend_client(0), stack.backend_client(1)
    client_ip = {"X-Forwarded-For": next_source_ip()}
    phone = new_phone()
    assert first.post("/api/login/", json={"phone": phone}, headers=client_ip).status_code == 200
    refused = second.post("/api/login/", json={"phone": phone}, headers=client_ip)
    assert refused.status_code == 429
    retry_after = int(refused.headers["Retry-After"])
    assert 0 < retry_after <= 60
    assert refused.json()["retry_after"] == retry_after


def test_a_refresh_token_rotated_on_one_backend_is_dead_on_the_other(stack):
    first, second = stack.backend_client(0), stack.backend_client(1)
    client_ip = {"X-Forwarded-For": next_source_ip()}
    phone = new_phone()
    sent = first.post("/api/login/", json={"phone": phone}, headers=client_ip)
    tokens = first.post("/api/verify/", json={"phone": phone, "token": sent.json()["code"]}, headers=client_ip).json()
    rotated = first.post("/api/token/refresh/", json={"refresh": tokens["refresh"]})
    assert rotated.status_code == 200
    assert second.post("/api/token/refresh/", json={"refresh": tokens["refresh"]}).status_code == 401


def upstream_of(stack, user_agent: str) -> str:
    return re.search(r"upstream=(\S+)", stack.access_log_line(f'"{user_agent}"')).group(1)


def test_sign_in_through_nginx_is_balanced_over_both_backends(stack):
    client = stack.client()
    phone = new_phone()
    tag = uuid.uuid4().hex
    sent = login(client, phone, **{"User-Agent": f"login-{tag}"})
    assert sent.status_code == 200, sent.text
    verified = client.post(
        "/api/verify/", json={"phone": phone, "token": sent.json()["code"]}, headers={"User-Agent": f"verify-{tag}"}
    )
    assert verified.status_code == 200, verified.text
    profile = client.get("/api/profile/", headers={"Authorization": f"Bearer {verified.json()['access']}"})
    assert profile.status_code == 200 and profile.json()["phone"] == phone

    backends = {url.removeprefix("http://") for url in stack.backend_urls}
    # Round robin sent the two steps of one sign-in to different instances, and it still worked.
    assert {upstream_of(stack, f"login-{tag}"), upstream_of(stack, f"verify-{tag}")} == backends


# ---- client addresses ----


def test_the_per_ip_limit_keys_on_the_real_client_not_on_x_forwarded_for(stack):
    """A client can't pick its bucket: nginx overwrites X-Forwarded-For with the peer address."""
    limit = int(THROTTLE_LOGIN.split("/")[0])
    client, neighbour = stack.client(), stack.client()
    for i in range(limit):
        response = login(client, new_phone(), **{"X-Forwarded-For": f"198.51.100.{i + 1}"})
        assert response.status_code == 200, response.text
    # The limit counted every request from this client (on both backends) whatever it claimed...
    refused = login(client, new_phone(), **{"X-Forwarded-For": "198.51.100.200"})
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers
    # ...and it can't borrow its neighbour's bucket by naming its address either.
    assert login(client, new_phone(), **{"X-Forwarded-For": neighbour.source_ip}).status_code == 429
    # The neighbour, a different real client, is unaffected.
    assert login(neighbour, new_phone()).status_code == 200


# ---- nginx settings, on extra nginx instances in front of the same backends ----


def backends_of(stack) -> str:
    return " ".join(url.removeprefix("http://") for url in stack.backend_urls)


def test_limit_req_guards_the_sign_in_endpoints(stack, extra_nginx):
    nginx = extra_nginx(
        NGINX_BACKENDS=backends_of(stack),
        NGINX_LIMIT_RATE="1r/m",
        NGINX_LIMIT_BURST="1",
        NGINX_LOGIN_LIMIT_RATE="1r/m",
        NGINX_LOGIN_LIMIT_BURST="1",
    )
    client = Client(nginx.url, next_source_ip())
    statuses = [client.post("/api/verify/", json={"phone": "junk"}).status_code for _ in range(3)]
    assert statuses == [400, 400, 429]  # the rate, then the burst, then refused by nginx
    # /api/login/ has its own zone: verify's refusals don't use it up.
    assert [client.post("/api/login/", json={"phone": "junk"}).status_code for _ in range(2)] == [400, 400]
    refused = client.post("/api/login/", json={"phone": "junk"})
    assert refused.status_code == 429
    assert refused.headers["Content-Type"] == "application/json"
    assert refused.headers["Retry-After"] == "60"
    assert refused.json() == {
        "detail": "Too many requests. Try again later.",
        "code": "ip_rate_limit",
        "retry_after": 60,
    }
    assert "X-Frame-Options" in refused.headers
    # Other endpoints are not limited, and neither are other clients.
    assert all(client.get("/api/health/").status_code == 200 for _ in range(5))
    assert Client(nginx.url, next_source_ip()).post("/api/verify/", json={}).status_code == 400


def test_the_login_zone_refuses_a_flood_and_lets_a_person_through(stack, extra_nginx):
    """The shipped login zone (6r/m, burst 5): a person's sign-in fits; a script gets 6 at once, then 1 per 10 s."""
    nginx = extra_nginx(NGINX_BACKENDS=backends_of(stack))
    person = Client(nginx.url, next_source_ip())
    phone, other_phone = new_phone(), new_phone()
    first = login(person, phone)
    assert first.status_code == 200, first.text
    # Asking again at once: the API's cooldown answers, not nginx.
    again = login(person, phone)
    assert again.status_code == 429 and again.json()["code"] == "resend_cooldown" and "Allow" in again.headers
    assert login(person, "+7 916 12").status_code == 400  # a typo
    second = login(person, other_phone)  # the other number
    assert second.status_code == 200, second.text
    verified = person.post("/api/verify/", json={"phone": phone, "token": first.json()["code"]})
    assert verified.status_code == 200, verified.text

    # (Answers from the API carry DRF's Allow header; nginx's own 429 doesn't. The API's own per-IP cap here is
    # THROTTLE_LOGIN, 5 an hour, so the 6th request it sees is its 429.)
    script = Client(nginx.url, next_source_ip())
    answers = [script.post("/api/login/", json={"phone": "junk"}) for _ in range(12)]
    reached_api = ["Allow" in answer.headers for answer in answers]
    assert reached_api == [True] * 6 + [False] * 6  # the first and the burst of 5 reach the API; the rest don't
    assert [answer.status_code for answer in answers] == [400] * 5 + [429] * 7
    refused = script.post("/api/login/", json={"phone": "junk"})
    assert refused.headers["Retry-After"] == "10" and "Allow" not in refused.headers
    assert refused.json() == {
        "detail": "Too many requests. Try again later.",
        "code": "ip_rate_limit",
        "retry_after": 10,
    }
    # The flood uses up neither its verify allowance nor the person's next request.
    assert script.post("/api/verify/", json={}).status_code == 400
    assert login(person, "junk").status_code == 400
    # After the wait the answer names, one more request gets through to the API, and only one.
    time.sleep(10.5)
    assert "Allow" in script.post("/api/login/", json={"phone": "junk"}).headers
    assert "Allow" not in script.post("/api/login/", json={"phone": "junk"}).headers


def test_limit_req_guards_the_admin_sign_in(stack, extra_nginx):
    nginx = extra_nginx(NGINX_BACKENDS=backends_of(stack), NGINX_ADMIN_LIMIT_RATE="1r/m", NGINX_ADMIN_LIMIT_BURST="1")
    client = Client(nginx.url, next_source_ip())
    # Without a CSRF token Django refuses with 403: these reach the backend, the third doesn't.
    statuses = [client.post("/admin/login/", data={"username": "x", "password": "y"}).status_code for _ in range(3)]
    assert statuses == [403, 403, 429]
    refused = client.post("/admin/login/", data={"username": "x", "password": "y"})
    assert refused.status_code == 429
    assert refused.headers["Content-Type"].startswith("text/plain")
    assert refused.headers["Retry-After"] == "60"
    assert refused.text == "Too many sign-in attempts from this address. Try again in 60 seconds.\n"
    assert "X-Frame-Options" in refused.headers
    # Showing the form is not limited, nor is another client, nor are the API's sign-in endpoints by this zone.
    assert all(client.get("/admin/login/").status_code == 200 for _ in range(5))
    assert Client(nginx.url, next_source_ip()).post("/admin/login/", data={}).status_code == 403
    assert client.post("/api/verify/", json={}).status_code == 400


def test_limit_req_can_be_off_for_benchmarks(stack, extra_nginx):
    nginx = extra_nginx(
        NGINX_BACKENDS=backends_of(stack),
        NGINX_LIMIT_REQ="off",
        NGINX_LIMIT_RATE="1r/m",
        NGINX_LIMIT_BURST="1",
        NGINX_LOGIN_LIMIT_RATE="1r/m",
        NGINX_LOGIN_LIMIT_BURST="1",
    )
    client = Client(nginx.url, next_source_ip())
    assert [client.post("/api/verify/", json={}).status_code for _ in range(5)] == [400] * 5
    assert [client.post("/api/login/", json={}).status_code for _ in range(5)] == [400] * 5


def test_a_backend_that_is_down_is_skipped(stack, extra_nginx):
    """With one instance down, every request still lands on a live one, sign-in POSTs included."""
    nginx = extra_nginx(NGINX_BACKENDS=f"127.0.0.1:{free_ports(1)} {backends_of(stack)}")
    client = Client(nginx.url, next_source_ip())
    assert [client.post("/api/verify/", json={}).status_code for _ in range(6)] == [400] * 6
    assert all(client.get("/api/health/").status_code == 200 for _ in range(4))


def test_no_backend_answers_json_503(extra_nginx):
    nginx = extra_nginx(NGINX_BACKENDS=f"127.0.0.1:{free_ports(1)}")
    response = Client(nginx.url, next_source_ip()).get("/api/health/")
    assert response.status_code == 503
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "Service temporarily unavailable. Try again shortly.",
        "code": "service_unavailable",
    }


def test_only_a_trusted_proxy_can_say_the_request_was_https(stack, extra_nginx):
    https = {"X-Forwarded-Proto": "https"}
    # Straight from a client: the claim is ignored (Django would otherwise treat the request as secure).
    direct = extra_nginx(NGINX_BACKENDS=backends_of(stack))
    response = Client(direct.url, next_source_ip()).get("/api/health/", headers=https)
    assert "Strict-Transport-Security" not in response.headers

    # Behind a TLS terminator at 127.0.0.1 that nginx is told to trust.
    behind_tls = extra_nginx(NGINX_BACKENDS=backends_of(stack), NGINX_REAL_IP_FROM="127.0.0.1")
    response = Client(behind_tls.url, "127.0.0.1").get("/api/health/", headers=https)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    # Anyone else saying so is still ignored.
    response = Client(behind_tls.url, next_source_ip()).get("/api/health/", headers=https)
    assert "Strict-Transport-Security" not in response.headers


def test_behind_a_trusted_proxy_the_client_address_comes_from_it(stack, extra_nginx):
    nginx = extra_nginx(NGINX_BACKENDS=backends_of(stack), NGINX_REAL_IP_FROM="127.0.0.1")
    proxy = Client(nginx.url, "127.0.0.1")
    proxy.get("/api/health/", headers={"X-Forwarded-For": "203.0.113.9", "User-Agent": "via-tls-proxy"})
    assert access_log_line(nginx.conf_dir / "access.log", "via-tls-proxy").startswith("203.0.113.9 ")
