"""The API answers in the request's language: every error code has its Russian message, and the catalog the
server loads (django.mo) is the one reviewed (django.po)."""

from pathlib import Path

import polib
import pytest
from django.utils import translation

from common.exceptions import ErrorCode

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "ru" / "LC_MESSAGES"


@pytest.mark.parametrize("code", list(ErrorCode), ids=lambda code: code.value)
def test_every_error_code_has_a_russian_message(code):
    with translation.override("en"):
        english = str(code.label)
    with translation.override("ru"):
        russian = str(code.label)
    assert russian != english, f"{code.value}: no Russian for {english!r} (run `make messages` and translate it)"
    assert any("а" <= letter <= "я" for letter in russian.lower()), russian


def test_the_compiled_catalog_is_the_reviewed_one():
    source = {entry.msgid: entry.msgstr for entry in polib.pofile(str(LOCALE / "django.po")) if entry.translated()}
    compiled = {entry.msgid: entry.msgstr for entry in polib.mofile(str(LOCALE / "django.mo")) if entry.msgid}
    assert compiled == source, "locale/ru/LC_MESSAGES/django.mo is stale: run `make messages` and commit it"


def test_the_catalog_has_no_untranslated_or_fuzzy_message():
    catalog = polib.pofile(str(LOCALE / "django.po"))
    assert not catalog.untranslated_entries() and not catalog.fuzzy_entries()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "phone_message", "required_message"),
    [
        (
            "ru-RU,ru;q=0.9,en;q=0.5",
            "Введите номер мобильного телефона, например +7 916 123-45-67.",
            "Обязательное поле.",
        ),
        ("en-GB,en;q=0.9", "Enter a valid mobile phone number, e.g. +7 916 123-45-67.", "This field is required."),
        ("de-DE", "Enter a valid mobile phone number, e.g. +7 916 123-45-67.", "This field is required."),
    ],
)
def test_errors_come_in_the_requests_language_with_the_same_codes(
    api_client, language, phone_message, required_message
):
    bad_phone = api_client.post("/api/login/", {"phone": "abc"}, format="json", HTTP_ACCEPT_LANGUAGE=language)
    missing = api_client.post("/api/verify/", {"phone": "+79161234567"}, format="json", HTTP_ACCEPT_LANGUAGE=language)

    assert bad_phone.status_code == missing.status_code == 400
    assert bad_phone.json() == {
        "phone": [phone_message],
        "code": "phone_invalid",
        "codes": {"phone": ["phone_invalid"]},
    }
    assert missing.json() == {"token": [required_message], "code": "required", "codes": {"token": ["required"]}}
    assert bad_phone["Content-Language"] == language[:2].replace("de", "en")


@pytest.mark.django_db
def test_a_refused_token_answers_in_russian(api_client):
    response = api_client.post(
        "/api/token/refresh/", {"refresh": "eyJ.not.a.token"}, format="json", HTTP_ACCEPT_LANGUAGE="ru"
    )
    assert response.status_code == 401
    assert response.json() == {"detail": "Токен недействителен", "code": "token_not_valid"}
