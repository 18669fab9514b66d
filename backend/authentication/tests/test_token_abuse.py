"""Forged, expired and misused tokens never get in."""

import base64
import json
from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _profile(api_client, token: str):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api_client.get("/api/profile/")


def _claims(user) -> dict:
    return dict(AccessToken.for_user(user).payload)


def test_a_valid_access_token_gets_in(api_client):
    assert _profile(api_client, str(AccessToken.for_user(UserFactory()))).status_code == 200


def test_expired_access_token_is_401(api_client):
    token = AccessToken.for_user(UserFactory())
    token.set_exp(lifetime=-timedelta(seconds=1))
    response = _profile(api_client, str(token))
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_tampered_payload_is_401(api_client):
    victim, attacker = UserFactory(), UserFactory()
    header, _, signature = str(AccessToken.for_user(attacker)).split(".")
    forged_payload = _b64({**_claims(attacker), "user_id": str(victim.pk)})
    assert _profile(api_client, f"{header}.{forged_payload}.{signature}").status_code == 401


def test_token_signed_with_another_key_is_401(api_client):
    token = jwt.encode(_claims(UserFactory()), "not-the-server-key-but-32-bytes-long!!", algorithm="HS256")
    assert _profile(api_client, token).status_code == 401


def test_unsigned_alg_none_token_is_401(api_client):
    token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(UserFactory()))}."
    assert _profile(api_client, token).status_code == 401


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_token_with_another_algorithm_is_401(api_client):
    # The server's own key, another algorithm (PyJWT warns that the key is short for HS512).
    token = jwt.encode(_claims(UserFactory()), settings.SIMPLE_JWT["SIGNING_KEY"], algorithm="HS512")
    assert _profile(api_client, token).status_code == 401


def test_refresh_token_used_as_access_is_401(api_client):
    assert _profile(api_client, str(RefreshToken.for_user(UserFactory()))).status_code == 401


def test_access_token_of_a_deleted_user_is_401(api_client):
    user = UserFactory()
    token = str(AccessToken.for_user(user))
    user.delete()
    assert _profile(api_client, token).status_code == 401


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Token abc", "Basic dXNlcjpwYXNz", "Bearer a b", "x" * 10_000])
def test_malformed_authorization_headers_are_401(api_client, header):
    api_client.credentials(HTTP_AUTHORIZATION=header)
    response = api_client.get("/api/profile/")
    assert response.status_code == 401
    assert "detail" in response.json()
