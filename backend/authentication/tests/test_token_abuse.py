"""Forged, expired and misused tokens never get in."""

import base64
import json
import time
from datetime import timedelta
from unittest import mock

import jwt
import pytest
from django.conf import settings
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from authentication.models import TokenFamily
from authentication.services import token_revoke, tokens_issue
from authentication.tokens import _verified_token
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


def _signed(claims: dict) -> str:
    """A token signed with the server's own key: its claims are what we say, the signature is valid."""
    return jwt.encode(claims, settings.SIMPLE_JWT["SIGNING_KEY"], algorithm="HS256")


def _session_refresh(user, **overrides) -> str:
    pair = tokens_issue(user=user)
    return _signed({**jwt.decode(pair.refresh, options={"verify_signature": False}), **overrides})


TOKEN_ENDPOINTS = ["/api/token/refresh/", "/api/logout/"]
NOT_A_USER_ID = ["1 OR 1=1", "1; DROP TABLE users_user", "", "-1", "0", "٣", "1" * 30, 2**70, 1.5, True, None, [1], {}]


@pytest.mark.parametrize("endpoint", TOKEN_ENDPOINTS)
def test_refresh_token_of_a_deleted_user_is_401(api_client, endpoint):
    user = UserFactory()
    refresh = tokens_issue(user=user).refresh
    user.delete()

    response = api_client.post(endpoint, {"refresh": refresh}, format="json")

    assert response.status_code == 401
    assert response.json() == {"detail": "Token is blacklisted", "code": "token_not_valid"}
    assert not TokenFamily.objects.exists()


@pytest.mark.parametrize("user_id", NOT_A_USER_ID)
@pytest.mark.parametrize("endpoint", TOKEN_ENDPOINTS)
def test_signed_refresh_token_whose_user_id_is_not_an_id_is_401(api_client, endpoint, user_id):
    user = UserFactory()
    refresh = _session_refresh(user, user_id=user_id)

    response = api_client.post(endpoint, {"refresh": refresh}, format="json")

    assert response.status_code == 401
    assert response.json() == {"detail": "Token is invalid", "code": "token_not_valid"}
    assert not BlacklistedToken.objects.exists()
    assert TokenFamily.objects.get().revoked_at is None


@pytest.mark.parametrize("user_id", NOT_A_USER_ID)
def test_signed_access_token_whose_user_id_is_not_an_id_is_401(api_client, user_id):
    claims = {**_claims(UserFactory()), "user_id": user_id}
    response = _profile(api_client, _signed(claims))
    assert response.status_code == 401
    assert response.json() == {"detail": "Token is invalid", "code": "token_not_valid"}


@pytest.mark.parametrize("family", [123, "not-a-uuid", ["x"], "00000000-0000-0000-0000-000000000000"])
@pytest.mark.parametrize("endpoint", TOKEN_ENDPOINTS)
def test_refresh_token_naming_no_session_of_its_user_is_401(api_client, endpoint, family):
    refresh = _session_refresh(UserFactory(), family=family)

    response = api_client.post(endpoint, {"refresh": refresh}, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"
    assert response.json()["detail"] in ("Token is invalid", "Token is blacklisted")
    assert TokenFamily.objects.get().revoked_at is None


@pytest.mark.parametrize("endpoint", TOKEN_ENDPOINTS)
def test_refresh_token_with_another_users_session_is_401(api_client, endpoint):
    victim, attacker = UserFactory(), UserFactory()
    victim_family = TokenFamily.objects.get(
        pk=jwt.decode(tokens_issue(user=victim).refresh, options={"verify_signature": False})["family"]
    )
    # Signed with the server's key (the worst case): the attacker's token naming the victim's session.
    refresh = _session_refresh(attacker, family=str(victim_family.pk))

    response = api_client.post(endpoint, {"refresh": refresh}, format="json")

    assert response.json() == {"detail": "Token is blacklisted", "code": "token_not_valid"}
    victim_family.refresh_from_db()
    assert victim_family.revoked_at is None


@pytest.mark.parametrize("endpoint", TOKEN_ENDPOINTS)
def test_refresh_token_without_a_session_is_401(api_client, endpoint):
    # Minted without a family (as before families existed): not a session's token.
    response = api_client.post(endpoint, {"refresh": str(RefreshToken.for_user(UserFactory()))}, format="json")
    assert response.status_code == 401
    assert response.json() == {"detail": "Token is invalid", "code": "token_not_valid"}


def test_access_token_of_a_revoked_session_is_401_and_of_another_session_is_not(api_client):
    user = UserFactory()
    ended, live = tokens_issue(user=user), tokens_issue(user=user)
    token_revoke(refresh=ended.refresh)

    response = _profile(api_client, ended.access)

    assert response.status_code == 401
    assert response.json() == {"detail": "Token is blacklisted", "code": "token_not_valid"}
    assert _profile(api_client, live.access).status_code == 200


def test_access_token_naming_another_users_session_is_401(api_client):
    victim, attacker = UserFactory(), UserFactory()
    victim_access = tokens_issue(user=victim).access
    family = jwt.decode(victim_access, options={"verify_signature": False})["family"]
    forged = _signed({**_claims(attacker), "family": family})
    response = _profile(api_client, forged)
    assert response.json() == {"detail": "Token is blacklisted", "code": "token_not_valid"}
    assert _profile(api_client, victim_access).status_code == 200


def test_a_token_sent_again_is_not_decoded_again(api_client):
    token = str(AccessToken.for_user(UserFactory()))
    with mock.patch.object(TokenBackend, "decode", autospec=True, side_effect=TokenBackend.decode) as decoded:
        for _ in range(3):
            assert _profile(api_client, token).status_code == 200
    assert decoded.call_count == 1


def test_a_token_verified_before_is_refused_once_it_expires(api_client):
    token = AccessToken.for_user(UserFactory())
    token.set_exp(lifetime=timedelta(seconds=1))
    assert _profile(api_client, str(token)).status_code == 200

    time.sleep(2.1)  # exp is in whole seconds
    response = _profile(api_client, str(token))

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"
    assert response.json()["messages"][0]["message"] == "Token is expired"


def test_only_tokens_that_verified_are_kept(api_client):
    _verified_token.cache_clear()
    victim = UserFactory()
    forged = jwt.encode(_claims(victim), "not-the-server-key-but-32-bytes-long!!", algorithm="HS256")

    for _ in range(3):
        assert _profile(api_client, forged).status_code == 401
    assert _verified_token.cache_info().currsize == 0
    assert _profile(api_client, str(AccessToken.for_user(victim))).status_code == 200
    assert _verified_token.cache_info().currsize == 1
