"""CORS: no other origin may call the API unless CORS_ALLOWED_ORIGINS names it."""

import importlib

import pytest
from django.test import Client

import config.settings

DEV_ORIGIN = "http://localhost:5173"


def preflight(origin: str):
    return Client().options(
        "/api/login/",
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )


@pytest.fixture
def default_origins(monkeypatch) -> list[str]:
    """CORS_ALLOWED_ORIGINS as settings.py sets it when the environment doesn't."""
    monkeypatch.delenv("CORS_ALLOWED_ORIGINS", raising=False)
    try:
        return importlib.reload(config.settings).CORS_ALLOWED_ORIGINS
    finally:
        importlib.reload(config.settings)


@pytest.mark.django_db
@pytest.mark.parametrize("origin", [DEV_ORIGIN, "http://127.0.0.1:5173", "https://evil.example"])
def test_a_cross_origin_preflight_gets_no_allow_origin_by_default(settings, default_origins, origin):
    assert default_origins == []
    settings.CORS_ALLOWED_ORIGINS = default_origins

    response = preflight(origin)

    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Methods" not in response.headers


@pytest.mark.django_db
def test_a_configured_origin_is_allowed_and_no_other(settings):
    settings.CORS_ALLOWED_ORIGINS = [DEV_ORIGIN]

    allowed = preflight(DEV_ORIGIN)
    other = preflight("https://evil.example")

    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == DEV_ORIGIN
    assert "POST" in allowed.headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Origin" not in other.headers


def test_env_example_allows_no_origin():
    env_example = (config.settings.REPO_DIR / ".env.example").read_text()
    assert "\nCORS_ALLOWED_ORIGINS=\n" in env_example
