import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db.models import F
from django.test import override_settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from authentication.models import OtpCode, OtpFailure, SmsBlock, SmsMessage, TokenFamily
from authentication.services import challenge_hash, otp_hash
from authentication.sms import locmem
from authentication.tests.helpers import last_sms_code, wrong_code
from events.models import Event, EventType
from users.models import User
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def login(client, phone):
    return client.post("/api/login/", {"phone": phone}, format="json")


def verify(client, phone, token):
    return client.post("/api/verify/", {"phone": phone, "token": token}, format="json")


def sign_in(client, phone):
    assert login(client, phone).status_code == 200
    response = verify(client, phone, last_sms_code(phone))
    assert response.status_code == 200, response.json()
    return response.json()


@pytest.mark.parametrize(
    "spelling", ["+7 916 123-45-67", "8 (916) 123-45-67", "89161234567", "9161234567", " +79161234567 "]
)
def test_login_accepts_common_spellings_and_answers_e164(api_client, spelling):
    response = login(api_client, spelling)

    assert response.status_code == 200
    body = response.json()
    challenge = body.pop("challenge")
    assert body == {"phone": "+79161234567", "expires_in": 300, "resend_in": 60, "code_length": 4}
    live = OtpCode.objects.get(phone="+79161234567", is_active=True)
    assert live.challenge_hash == challenge_hash(challenge)
    assert locmem.outbox[-1].phone == "+79161234567"


@pytest.mark.parametrize(
    "body",
    [
        {"phone": "+7 495 123-45-67"},  # Moscow fixed line: can't receive SMS
        {"phone": "hello"},
        {"phone": ""},
        {"phone": None},
        {"phone": 79161234567},
        {"phone": ["+79161234567"]},
        {"phone": "9" * 10_000},
        {"phone": "+7 916 123-45-67'; DROP TABLE users_user; --"},
        {"phone": "<script>alert(1)</script>"},
        {},
    ],
)
def test_login_rejects_anything_but_a_mobile_number(api_client, body):
    response = api_client.post("/api/login/", body, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"phone", "code", "codes"}
    assert isinstance(response.json()["phone"], list)
    assert OtpCode.objects.count() == 0
    assert locmem.outbox == []


def test_login_rejects_non_json_bodies(api_client):
    form = api_client.post("/api/login/", "phone=1", content_type="application/x-www-form-urlencoded")
    assert form.status_code == 415
    response = api_client.post("/api/login/", b"{bad json", content_type="application/json")
    assert response.status_code == 400 and "detail" in response.json()
    response = api_client.post("/api/login/", b'{"phone": "\xff\xfe"}', content_type="application/json")
    assert response.status_code == 400 and "detail" in response.json()
    assert api_client.post("/api/login/", [1, 2], format="json").status_code == 400
    assert OtpCode.objects.count() == 0


def test_login_refuses_huge_bodies_with_json(api_client):
    response = api_client.post("/api/login/", {"phone": "x" * 200_000}, format="json")

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Request body is too large.", "code": "request_too_large"}
    assert OtpCode.objects.count() == 0


def test_login_echoes_the_code_only_in_demo_mode(api_client, settings, new_phone):
    phone = new_phone()
    assert "code" not in login(api_client, phone).json()

    settings.OTP_ECHO = True
    OtpCode.objects.all().delete()
    body = login(api_client, phone).json()
    assert body["code"] == last_sms_code(phone)


def test_login_answers_the_same_for_known_and_unknown_phones(api_client, new_phone):
    known = UserFactory(phone=new_phone())
    a = login(api_client, known.phone)
    b = login(api_client, new_phone())

    assert a.status_code == b.status_code == 200
    assert set(a.json()) == set(b.json())
    assert a.json()["expires_in"] == b.json()["expires_in"]


def test_login_resend_cooldown_answers_429_with_retry_after(api_client, new_phone):
    phone = new_phone()
    login(api_client, phone)

    response = login(api_client, phone)

    assert response.status_code == 429
    body = response.json()
    assert set(body) == {"detail", "code", "retry_after"}
    assert body["detail"] == "A code was sent recently. Wait before asking for a new one."
    assert body["code"] == "resend_cooldown"
    assert 55 <= body["retry_after"] <= 60
    assert response["Retry-After"] == str(body["retry_after"])
    assert len(locmem.outbox) == 1


def test_login_eleventh_code_of_the_day_answers_429_daily_code_limit(api_client, new_phone, settings):
    settings.OTP_MAX_SENDS_PER_DAY = 2
    settings.OTP_RESEND_SECONDS = 0
    phone = new_phone()
    assert login(api_client, phone).status_code == 200
    assert login(api_client, phone).status_code == 200

    response = login(api_client, phone)

    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "daily_code_limit"
    assert body["detail"] == "Too many codes were sent to this phone today. Try again later."
    # Free again when the first of the two codes is 24 h old.
    assert 24 * 3600 - 5 <= body["retry_after"] <= 24 * 3600
    assert response["Retry-After"] == str(body["retry_after"])
    assert len(locmem.outbox) == 2


def test_login_past_the_hourly_sms_budget_answers_503_sms_budget_exhausted(api_client, settings):
    settings.SMS_BUDGET_PER_HOUR = 1
    assert login(api_client, "+79161110000").status_code == 200

    response = login(api_client, "+79162220000")

    assert response.status_code == 503
    body = response.json()
    assert body["detail"] == "Too many sign-in codes are being sent right now. Try again later."
    assert body["code"] == "sms_budget_exhausted"
    assert 0 < body["retry_after"] <= 3600
    assert response["Retry-After"] == str(body["retry_after"])
    assert not OtpCode.objects.filter(phone="+79162220000").exists()
    assert len(locmem.outbox) == 1


def test_login_for_a_blocked_prefix_answers_429_prefix_blocked_and_sends_nothing(api_client):
    SmsBlock.objects.create(kind="prefix", value="+7916123", conversion=0.02, sends=50)

    response = login(api_client, "+79161234567")

    assert response.status_code == 429
    assert response.json() == {
        "detail": "SMS sign-in is paused for numbers like this one. Try again later.",
        "code": "prefix_blocked",
        "retry_after": 3600,
    }
    assert response["Retry-After"] == "3600"
    assert not OtpCode.objects.exists() and not SmsMessage.objects.exists() and not locmem.outbox


def test_verify_returns_tokens_for_a_new_user(api_client, new_phone):
    phone = new_phone()
    login(api_client, phone)

    response = verify(api_client, phone, last_sms_code(phone))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh", "is_new"}
    assert body["is_new"] is True
    user = User.objects.get(phone=phone)
    assert AccessToken(body["access"])["user_id"] == str(user.pk)


def test_verify_accepts_the_code_as_an_integer(api_client, new_phone):
    phone = new_phone()
    login(api_client, phone)
    # Make the live code a known one with a leading zero.
    OtpCode.objects.filter(phone=phone).update(code_hash=otp_hash(phone=phone, code="0421"))

    response = verify(api_client, phone, 421)

    assert response.status_code == 200
    assert User.objects.filter(phone=phone).exists()


def test_verify_existing_user_is_not_new_and_keeps_invite_code(api_client, new_phone):
    user = UserFactory(phone=new_phone())
    login(api_client, user.phone)

    response = verify(api_client, user.phone, last_sms_code(user.phone))

    assert response.json()["is_new"] is False
    assert User.objects.get(pk=user.pk).invite_code == user.invite_code
    assert User.objects.filter(phone=user.phone).count() == 1


def test_verify_gives_one_message_for_wrong_used_and_missing_codes(api_client, new_phone):
    phone = new_phone()
    login(api_client, phone)
    code = last_sms_code(phone)
    wrong = verify(api_client, phone, wrong_code(code))
    assert verify(api_client, phone, code).status_code == 200
    used = verify(api_client, phone, code)
    missing = verify(api_client, new_phone(), "1234")

    for response in (wrong, used, missing):
        assert response.status_code == 400
        assert response.json() == {"detail": "Invalid or expired code.", "code": "code_invalid"}


@pytest.mark.parametrize("token", ["12", "12345", "abcd", "12a4", "١٢٣٤", None, True, -1, 10000, 1.5, [1234], ""])
def test_verify_rejects_malformed_tokens_as_field_errors(api_client, new_phone, token):
    phone = new_phone()
    login(api_client, phone)

    response = verify(api_client, phone, token)

    assert response.status_code == 400
    assert set(response.json()) == {"token", "code", "codes"}
    assert OtpCode.objects.get(phone=phone).attempts == 0


def test_verify_without_challenge_returns_429_once_the_phone_has_too_many_wrong_codes(api_client, new_phone, settings):
    settings.OTP_MAX_FAILURES_PER_DAY = 3
    phone = new_phone()
    login(api_client, phone)
    code = last_sms_code(phone)
    for _ in range(3):
        assert verify(api_client, phone, wrong_code(code)).status_code == 400

    response = verify(api_client, phone, code)

    assert response.status_code == 429
    assert response.json()["code"] == "wrong_code_limit"
    assert response.json()["detail"] == "Too many wrong codes for this phone. Try again later."
    assert response.json()["retry_after"] > 0
    assert int(response["Retry-After"]) == response.json()["retry_after"]
    assert OtpCode.objects.get(phone=phone).open_attempts == 3
    assert not User.objects.filter(phone=phone).exists()


def test_stranger_cannot_stop_the_phones_owner_from_signing_in(api_client, new_phone, settings):
    """The attack: a stranger asks for codes and enters 20 wrong ones, with and without a challenge. The owner
    still gets a code (a longer one), and signs in with it and its challenge, as the web app does."""
    phone = new_phone()
    stranger = APIClient(REMOTE_ADDR="203.0.113.7")
    for _ in range(2):
        challenge = login(stranger, phone).json()["challenge"]
        code = last_sms_code(phone)
        for _ in range(5):
            stranger.post(
                "/api/verify/", {"phone": phone, "token": wrong_code(code), "challenge": challenge}, format="json"
            )
            verify(stranger, phone, wrong_code(code))
        OtpCode.objects.filter(phone=phone).update(created_at=F("created_at") - timedelta(minutes=2))
    assert verify(stranger, phone, "0000").status_code == 429

    answer = login(api_client, phone)
    assert answer.status_code == 200 and answer.json()["code_length"] == 8
    response = api_client.post(
        "/api/verify/",
        {"phone": phone, "token": last_sms_code(phone), "challenge": answer.json()["challenge"]},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert User.objects.filter(phone=phone).count() == 1
    # Checked: both codes' five tries with the challenge, the first code's five without (then open entries stop).
    assert OtpFailure.objects.filter(phone=phone).count() == 15


def test_verify_takes_an_eight_digit_code_as_a_string_only(api_client, new_phone):
    phone = new_phone()
    login(api_client, phone)
    verify(api_client, phone, wrong_code(last_sms_code(phone)))
    OtpCode.objects.filter(phone=phone).update(created_at=F("created_at") - timedelta(minutes=2))
    login(api_client, phone)
    code = last_sms_code(phone)

    assert len(code) == 8
    assert verify(api_client, phone, int("1" + code[1:])).json()["codes"] == {"token": ["code_format"]}
    assert verify(api_client, phone, code).status_code == 200


def test_verify_with_the_challenge_of_a_replaced_code_says_a_newer_code_was_sent(api_client, new_phone):
    phone = new_phone()
    old = login(api_client, phone).json()["challenge"]
    OtpCode.objects.filter(phone=phone).update(created_at=F("created_at") - timedelta(minutes=2))
    login(api_client, phone)

    response = api_client.post(
        "/api/verify/", {"phone": phone, "token": last_sms_code(phone), "challenge": old}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "A newer code was sent to this phone. Ask for a new code.",
        "code": "code_replaced",
    }
    assert OtpCode.objects.get(phone=phone, is_active=True).attempts == 0


@pytest.mark.parametrize("challenge", ["x" * 65, 12345678, ["a"]])
def test_verify_refuses_a_malformed_challenge_and_uses_no_try(api_client, new_phone, challenge):
    phone = new_phone()
    login(api_client, phone)

    response = api_client.post(
        "/api/verify/", {"phone": phone, "token": last_sms_code(phone), "challenge": challenge}, format="json"
    )

    if isinstance(challenge, int):  # DRF's CharField takes numbers as text: a challenge that isn't the code's
        assert response.json() == {"detail": "Invalid or expired code.", "code": "code_invalid"}
    else:
        assert set(response.json()) == {"challenge", "code", "codes"}
    assert response.status_code == 400
    assert OtpCode.objects.get(phone=phone).attempts == 0
    assert not OtpFailure.objects.filter(phone=phone).exists()


def test_refresh_rotates_and_the_new_refresh_works(api_client, new_phone):
    tokens = sign_in(api_client, new_phone())

    response = api_client.post("/api/token/refresh/", {"refresh": tokens["refresh"]}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh"}
    assert body["refresh"] != tokens["refresh"]
    assert BlacklistedToken.objects.filter(token__jti=RefreshToken(body["refresh"], verify=False)["jti"]).count() == 0
    assert api_client.post("/api/token/refresh/", {"refresh": body["refresh"]}, format="json").status_code == 200


def test_refresh_with_a_used_token_is_401_and_signs_the_whole_session_out(api_client, new_phone):
    tokens = sign_in(api_client, new_phone())
    newest = api_client.post("/api/token/refresh/", {"refresh": tokens["refresh"]}, format="json").json()

    again = api_client.post("/api/token/refresh/", {"refresh": tokens["refresh"]}, format="json")

    assert again.status_code == 401
    assert again.json() == {"detail": "Token is blacklisted", "code": "token_not_valid"}
    family = TokenFamily.objects.get()
    assert family.revoke_reason == TokenFamily.RevokeReason.REUSE
    assert family.revoked_at is not None
    # The newest refresh token and the session's access tokens die with it.
    latest = api_client.post("/api/token/refresh/", {"refresh": newest["refresh"]}, format="json")
    assert latest.status_code == 401
    assert latest.json() == {"detail": "Token is blacklisted", "code": "token_not_valid"}
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {newest['access']}")
    profile = api_client.get("/api/profile/")
    assert profile.status_code == 401
    assert profile.json() == {"detail": "Token is blacklisted", "code": "token_not_valid"}


def test_refresh_for_a_deactivated_user_is_401_and_spends_nothing(api_client, new_phone):
    phone = new_phone()
    tokens = sign_in(api_client, phone)
    User.objects.filter(phone=phone).update(is_active=False)

    response = api_client.post("/api/token/refresh/", {"refresh": tokens["refresh"]}, format="json")

    assert response.status_code == 401
    assert response.json() == {"detail": "No active account found for the given token.", "code": "no_active_account"}
    assert not BlacklistedToken.objects.exists()
    assert TokenFamily.objects.get().revoked_at is None
    # Signing out still works.
    assert api_client.post("/api/logout/", {"refresh": tokens["refresh"]}, format="json").status_code == 204


def test_each_sign_in_is_its_own_session(api_client, new_phone, settings):
    settings.OTP_RESEND_SECONDS = 0
    phone = new_phone()
    first, second = sign_in(api_client, phone), sign_in(api_client, phone)
    assert api_client.post("/api/logout/", {"refresh": first["refresh"]}, format="json").status_code == 204

    assert api_client.post("/api/token/refresh/", {"refresh": second["refresh"]}, format="json").status_code == 200
    assert sorted(TokenFamily.objects.values_list("revoke_reason", flat=True)) == ["", "logout"]


@pytest.mark.parametrize(
    ("refresh", "status", "body"),
    [
        ("garbage", 401, {"detail": "Token is invalid", "code": "token_not_valid"}),
        ("a.b.c", 401, {"detail": "Token is invalid", "code": "token_not_valid"}),
        ("", 400, {"refresh": ["This field may not be blank."], "code": "blank", "codes": {"refresh": ["blank"]}}),
    ],
)
def test_refresh_rejects_invalid_tokens(api_client, new_phone, refresh, status, body):
    session = sign_in(api_client, new_phone())

    response = api_client.post("/api/token/refresh/", {"refresh": refresh}, format="json")

    assert (response.status_code, response.json()) == (status, body)
    # Nothing was issued or revoked: the session's own refresh token still works.
    assert TokenFamily.objects.get().revoke_reason == ""
    assert api_client.post("/api/token/refresh/", {"refresh": session["refresh"]}, format="json").status_code == 200


def test_refresh_rejects_an_access_token(api_client, new_phone):
    tokens = sign_in(api_client, new_phone())
    response = api_client.post("/api/token/refresh/", {"refresh": tokens["access"]}, format="json")
    assert response.status_code == 401


def test_logout_revokes_the_session_with_its_access_tokens(api_client, new_phone):
    tokens = sign_in(api_client, new_phone())

    response = api_client.post("/api/logout/", {"refresh": tokens["refresh"]}, format="json")

    assert response.status_code == 204
    family = TokenFamily.objects.get()
    assert (family.revoke_reason, family.revoked_at is not None) == (TokenFamily.RevokeReason.LOGOUT, True)
    for endpoint in ("/api/token/refresh/", "/api/logout/"):
        again = api_client.post(endpoint, {"refresh": tokens["refresh"]}, format="json")
        assert again.status_code == 401
        assert again.json() == {"detail": "Token is blacklisted", "code": "token_not_valid"}
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert api_client.get("/api/profile/").json() == {"detail": "Token is blacklisted", "code": "token_not_valid"}
    assert TokenFamily.objects.get().revoke_reason == TokenFamily.RevokeReason.LOGOUT


def test_logout_with_a_used_token_still_signs_the_session_out(api_client, new_phone):
    tokens = sign_in(api_client, new_phone())
    newest = api_client.post("/api/token/refresh/", {"refresh": tokens["refresh"]}, format="json").json()

    response = api_client.post("/api/logout/", {"refresh": tokens["refresh"]}, format="json")

    assert response.status_code == 401
    assert response.json() == {"detail": "Token is blacklisted", "code": "token_not_valid"}
    assert TokenFamily.objects.get().revoke_reason == TokenFamily.RevokeReason.REUSE
    assert api_client.post("/api/token/refresh/", {"refresh": newest["refresh"]}, format="json").status_code == 401


def test_logout_requires_a_refresh_token(api_client):
    response = api_client.post("/api/logout/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"refresh", "code", "codes"}


@override_settings(THROTTLE_LOGIN="3/hour")
def test_login_per_ip_cap_answers_429(api_client, new_phone):
    for _ in range(3):
        assert login(api_client, new_phone()).status_code == 200

    response = login(api_client, new_phone())

    assert response.status_code == 429
    body = response.json()
    assert set(body) == {"detail", "code", "retry_after"}
    assert body["code"] == "ip_rate_limit"
    assert body["detail"] == "Too many requests from this address. Try again later."
    assert 0 < body["retry_after"] <= 3600
    assert response["Retry-After"] == str(body["retry_after"])
    # Another client address has its own allowance.
    other = api_client.post("/api/login/", {"phone": new_phone()}, format="json", REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


def test_per_ip_cap_lowered_below_the_requests_on_record_still_says_the_real_wait(api_client, new_phone):
    with override_settings(THROTTLE_LOGIN="5/hour"):
        for _ in range(4):
            assert login(api_client, new_phone()).status_code == 200

    with override_settings(THROTTLE_LOGIN="2/hour"):
        response = login(api_client, new_phone())

    assert response.status_code == 429
    assert response.json()["code"] == "ip_rate_limit"
    # Four requests are on record in this hour's fixed window: the cap lifts when the window ends, not at once.
    until_window_end = 3600 - time.time() % 3600
    assert until_window_end - 2 <= response.json()["retry_after"] <= until_window_end + 2


@override_settings(THROTTLE_VERIFY="2/hour")
def test_verify_per_ip_cap_answers_429(api_client, new_phone):
    phone = new_phone()
    login(api_client, phone)
    verify(api_client, phone, wrong_code(last_sms_code(phone)))
    verify(api_client, phone, wrong_code(last_sms_code(phone)))

    before = OtpCode.objects.get(phone=phone, is_active=True)
    failures = OtpFailure.objects.filter(phone=phone).count()

    response = verify(api_client, phone, last_sms_code(phone))

    assert response.status_code == 429
    assert response.json()["code"] == "ip_rate_limit"
    # Refused before any check: no user, no try used, no wrong entry counted, the code still live and unused.
    assert not User.objects.filter(phone=phone).exists()
    after = OtpCode.objects.get(pk=before.pk)
    assert (after.is_active, after.attempts, after.open_attempts) == (True, before.attempts, before.open_attempts)
    assert OtpFailure.objects.filter(phone=phone).count() == failures == 2
    # Another client address verifies the same code: it was neither spent nor burned by the refusal.
    other = api_client.post(
        "/api/verify/", {"phone": phone, "token": last_sms_code(phone)}, format="json", REMOTE_ADDR="10.0.0.9"
    )
    assert other.status_code == 200 and other.json()["is_new"] is True


@override_settings(THROTTLE_LOGIN="2/hour", REST_FRAMEWORK={**settings.REST_FRAMEWORK, "NUM_PROXIES": 1})
def test_per_ip_cap_behind_one_proxy_ignores_client_sent_forwarded_for(api_client, new_phone):
    # Behind nginx the last X-Forwarded-For entry is the one nginx wrote: the real client.
    def from_client(spoofed):
        return api_client.post(
            "/api/login/", {"phone": new_phone()}, format="json", HTTP_X_FORWARDED_FOR=f"{spoofed}, 203.0.113.7"
        )

    assert from_client("1.1.1.1").status_code == 200
    assert from_client("2.2.2.2").status_code == 200
    assert from_client("3.3.3.3").status_code == 429


def test_sign_in_endpoints_run_a_fixed_number_of_queries(api_client, new_phone, django_assert_num_queries):
    # Counted inside the test's transaction, so each atomic block adds a SAVEPOINT and a RELEASE.
    # login: per-IP throttle (the address's and the network's counters in one statement) = 1,
    #        then savepoint, lock live code, one statement for the blocks, failures and sends, one for the prefix's
    #        counter and the SMS budget, insert, release = 6 (a resend also retires the old code: one more), then after
    #        the SMS one statement for its row and the code marked sent, then one for the conversion watch's blocks and
    #        counts.
    phone = new_phone()
    with django_assert_num_queries(9):
        assert login(api_client, phone).status_code == 200
    # verify: throttle 1, then savepoint, lock live code, failures, mark used, find user,
    #         savepoint + (savepoint + insert user + release) + the user.signed_up event + the webhook endpoints
    #         it goes to (none here) + release, release = 13, then savepoint, insert the session (token family),
    #         record the refresh token, release = 4.
    with django_assert_num_queries(18):
        assert verify(api_client, phone, last_sms_code(phone)).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"phone": "+79161234567", "token": "1" * 10_000},
        {"phone": "+79161234567", "token": "1234' OR '1'='1"},
        {"phone": "+79161234567", "token": "<img src=x onerror=alert(1)>"},
        {"phone": "+79161234567", "token": {"$gt": ""}},
        {"phone": "+79161234567"},
        {"token": "1234"},
        "just a string",
        None,
    ],
)
def test_verify_hostile_bodies_get_400_and_touch_nothing(api_client, body):
    login(api_client, "+79161234567")

    response = api_client.post("/api/verify/", body, format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert OtpCode.objects.get(phone="+79161234567").attempts == 0
    assert not User.objects.exists()


def test_unknown_fields_are_ignored(api_client, new_phone):
    phone = new_phone()
    response = api_client.post("/api/login/", {"phone": phone, "is_staff": True, "code": "0000"}, format="json")
    assert response.status_code == 200
    assert set(response.json()) == {"phone", "expires_in", "resend_in", "challenge", "code_length"}


def test_login_with_the_proof_of_work_signals_on_reads_one_more_not_the_address_counters_again(
    api_client, new_phone, settings, django_assert_num_queries
):
    # Production's signals: the client's share of its cap comes from the throttle's own count of this request;
    # the prefix's count and a recently lifted block are the one statement added to the 9 above.
    settings.ALTCHA_RISK_SHARE, settings.ALTCHA_PREFIX_BURST, settings.ALTCHA_AFTER_LIFT_HOURS = 0.5, 10, 24
    with django_assert_num_queries(10):
        assert login(api_client, new_phone()).status_code == 200


def test_token_endpoints_run_a_fixed_number_of_queries(api_client, new_phone, django_assert_num_queries):
    tokens = sign_in(api_client, new_phone())
    # refresh: savepoint, lock the session, find the outstanding token, savepoint + blacklist it + release,
    # record the new one, release.
    with django_assert_num_queries(8):
        refreshed = api_client.post("/api/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert refreshed.status_code == 200
    # logout: savepoint, lock the session, find the outstanding token, savepoint + blacklist it + release,
    # revoke the session, release.
    with django_assert_num_queries(8):
        logout = api_client.post("/api/logout/", {"refresh": refreshed.json()["refresh"]}, format="json")
    assert logout.status_code == 204


@pytest.mark.parametrize(
    "phone",
    [
        "+881631234567",  # Iridium (satellite)
        "+870773111632",  # Inmarsat (satellite)
        "+5352123456",  # Cuba
        "+23276123456",  # Sierra Leone
        "+67570123456",  # Papua New Guinea
        "+447400123456",  # a country not in OTP_ALLOWED_REGIONS
    ],
)
def test_login_refuses_countries_codes_are_not_sent_to_and_sends_nothing(api_client, phone):
    response = login(api_client, phone)

    assert response.status_code == 400
    assert response.json() == {
        "phone": ["SMS sign-in isn't available for this country."],
        "code": "phone_region_not_allowed",
        "codes": {"phone": ["phone_region_not_allowed"]},
    }
    assert not OtpCode.objects.filter(phone=phone).exists()
    assert locmem.outbox == []


def test_login_sends_to_a_country_once_it_is_allowed_but_never_to_satellite_numbers(api_client, settings):
    settings.OTP_ALLOWED_REGIONS = ["RU", "GB"]
    assert login(api_client, "+447400123456").status_code == 200
    settings.OTP_ALLOWED_REGIONS = ["*"]
    assert login(api_client, "+23276123456").status_code == 200
    assert login(api_client, "+881631234567").status_code == 400
    assert [sms.phone for sms in locmem.outbox] == ["+447400123456", "+23276123456"]


def test_login_answers_503_with_retry_after_when_no_provider_takes_the_sms(
    api_client, new_phone, settings, refused_url
):
    settings.SMS_ROUTE = ["twilio"]
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, settings.TWILIO_FROM = "AC" + "0" * 32, "t", "+15005550006"
    settings.TWILIO_API_URL = refused_url
    phone = new_phone()

    response = login(api_client, phone)

    assert response.status_code == 503
    assert response.json() == {
        "detail": "The code could not be sent by SMS right now. Try again shortly.",
        "code": "sms_unavailable",
        "retry_after": 30,
    }
    assert response["Retry-After"] == "30"
    assert OtpCode.objects.get(phone=phone).send_status == "failed"


def test_login_writes_the_sms_in_the_language_the_app_asks_for(api_client, new_phone):
    phone = new_phone()
    api_client.post("/api/login/", {"phone": phone}, format="json", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert locmem.outbox[-1].text.startswith("Your sign-in code: ")


# ---- Sign-ups through a share link: `invite_code` on /api/verify/ ----


def verify_through_link(client, phone, invite_code):
    assert login(client, phone).status_code == 200
    body = {"phone": phone, "token": last_sms_code(phone), "invite_code": invite_code}
    return client.post("/api/verify/", body, format="json")


def test_first_sign_in_through_a_share_link_records_whose_link_and_activates_nothing(api_client, new_phone):
    inviter = UserFactory(invite_code="AB12CD")
    phone = new_phone()

    response = verify_through_link(api_client, phone, "ab12cd")

    assert response.status_code == 200 and response.json()["is_new"] is True
    user = User.objects.get(phone=phone)
    assert user.joined_via_id == inviter.pk and user.referred_by_id is None
    event = Event.objects.get(type=EventType.USER_SIGNED_UP)
    assert (event.subject_id, event.payload["invited_by_code"]) == (user.pk, "AB12CD")


@pytest.mark.parametrize("invite_code", ["ZZZZZZ", "not a code", "", None, 123456, ["AB12CD"], "A" * 1000])
def test_an_unknown_or_malformed_share_link_code_never_refuses_a_sign_in(api_client, new_phone, invite_code):
    UserFactory(invite_code="AB12CD")
    phone = new_phone()

    response = verify_through_link(api_client, phone, invite_code)

    assert response.status_code == 200 and response.json()["is_new"] is True
    assert User.objects.get(phone=phone).joined_via_id is None
    assert Event.objects.get(type=EventType.USER_SIGNED_UP).payload["invited_by_code"] is None


def test_a_share_link_code_on_a_later_sign_in_changes_nothing(api_client, new_phone):
    inviter = UserFactory()
    phone = new_phone()
    sign_in(api_client, phone)
    OtpCode.objects.filter(phone=phone).update(created_at=F("created_at") - timedelta(minutes=2))  # past the cooldown

    response = verify_through_link(api_client, phone, inviter.invite_code)

    assert response.status_code == 200 and response.json()["is_new"] is False
    assert User.objects.get(phone=phone).joined_via_id is None
    assert Event.objects.filter(type=EventType.USER_SIGNED_UP).count() == 1


@pytest.mark.parametrize(
    ("end_it", "body"),
    [
        ("logout", {"detail": "Token is blacklisted", "code": "token_not_valid"}),
        ("deactivate", {"detail": "User is inactive", "code": "user_inactive"}),
        ("delete", {"detail": "User not found", "code": "user_not_found"}),
    ],
)
def test_profile_read_in_one_query_still_refuses_an_ended_session(api_client, new_phone, end_it, body):
    """GET /api/profile/ checks the session inside its one query (request.user is the token's principal)."""
    phone = new_phone()
    tokens = sign_in(api_client, phone)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert api_client.get("/api/profile/").status_code == 200

    if end_it == "logout":
        assert api_client.post("/api/logout/", {"refresh": tokens["refresh"]}, format="json").status_code == 204
    elif end_it == "deactivate":
        User.objects.filter(phone=phone).update(is_active=False)
    else:
        User.objects.filter(phone=phone).delete()

    for path in ("/api/profile/", "/api/profile/referrals/"):
        response = api_client.get(path)
        assert (response.status_code, response.json()) == (401, body), path
