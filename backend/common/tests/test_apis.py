import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from authentication.models import OtpCode
from authentication.services import otp_request
from users.models import User
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BACKEND_DIR = Path(__file__).resolve().parents[2]


def test_health_answers_ok_after_a_database_round_trip(api_client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = api_client.get("/api/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/api/nope/", "/api/profile/nope", "/api/login"])
def test_unknown_api_paths_answer_json_404(api_client, path, settings):
    settings.DEBUG = True  # even Django's debug page must not answer under /api/
    response = api_client.get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_wrong_method_is_a_json_405(api_client):
    response = api_client.get("/api/login/")
    assert response.status_code == 405
    assert "detail" in response.json()


def test_openapi_schema_validates_and_the_committed_copy_is_current(tmp_path):
    # Made as `make schema` makes it: production settings with their defaults (the descriptions state the limits
    # in force, and the tests' own are raised), nothing from this environment but a path to run in.
    generated = tmp_path / "openapi.yaml"
    environment = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "true",
        "DJANGO_SECRET_KEY": "schema-only",
        "JWT_SIGNING_KEY": "schema-only",
    }
    subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn", "--file", str(generated)],
        cwd=BACKEND_DIR,
        env=environment,
        check=True,
        capture_output=True,
    )

    committed = BACKEND_DIR / "openapi.yaml"
    assert yaml.safe_load(generated.read_text()) == yaml.safe_load(committed.read_text()), (
        "backend/openapi.yaml is stale: run `make schema` and commit the result"
    )


def test_schema_documents_every_endpoint_with_its_errors(api_client):
    schema = yaml.safe_load(api_client.get("/api/schema/").content)
    paths = schema["paths"]
    expected = {
        ("/api/login/", "post"): {"200", "400", "428", "429", "503"},
        ("/api/verify/", "post"): {"200", "400", "429"},
        ("/api/token/refresh/", "post"): {"200", "400", "401"},
        ("/api/logout/", "post"): {"204", "400", "401"},
        ("/api/profile/", "get"): {"200", "401"},
        ("/api/profile/", "patch"): {"200", "400", "401", "409", "429"},
        ("/api/profile/referrals/", "get"): {"200", "401", "404"},
        ("/api/health/", "get"): {"200", "503"},
    }
    for (path, method), codes in expected.items():
        assert set(paths[path][method]["responses"]) == codes, (path, method)


@pytest.mark.parametrize("path", ["/api/docs/"])  # ReDoc: test_redoc.py
def test_api_docs_pages_load_their_assets_from_this_server(api_client, path):
    response = api_client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn.jsdelivr.net" not in html
    assert "fonts.googleapis.com" not in html


def test_spa_routes_get_index_html_without_caching(client, settings, tmp_path):
    (tmp_path / "index.html").write_text("<!doctype html><div id=root></div>")
    settings.SPA_DIST_DIR = tmp_path

    for path in ["/", "/profile", "/some/deep/link?invite=AB12CD"]:
        response = client.get(path)
        assert response.status_code == 200
        assert b"<div id=root>" in response.content
        assert response["Cache-Control"] == "no-cache"


def test_spa_missing_build_says_how_to_build_it(client, settings, tmp_path):
    settings.SPA_DIST_DIR = tmp_path / "missing"
    response = client.get("/")
    assert response.status_code == 404
    assert b"make run" in response.content


@pytest.fixture
def staff_client(client):
    admin = User.objects.create_superuser(phone="8 (999) 000-00-01", password="a-long-admin-password")
    assert admin.phone == "+79990000001" and admin.is_staff and admin.check_password("a-long-admin-password")
    client.force_login(admin)
    return client


def test_admin_searches_users_by_phone_and_invite_code(staff_client):
    admin_client = staff_client
    user = UserFactory()
    for term in (user.phone, user.invite_code):
        response = admin_client.get("/admin/users/user/", {"q": term})
        assert response.status_code == 200
        assert user.phone in response.content.decode()


def test_admin_shows_codes_without_their_hashes(staff_client):
    otp_request(phone="+79161234567")
    response = staff_client.get("/admin/authentication/otpcode/")
    assert response.status_code == 200
    assert "+79161234567" in response.content.decode()
    otp = OtpCode.objects.get()
    detail = staff_client.get(f"/admin/authentication/otpcode/{otp.pk}/change/")
    assert detail.status_code == 200
    assert "code_hash" not in detail.content.decode() and otp.code_hash not in detail.content.decode()
