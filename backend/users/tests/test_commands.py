"""`make superuser` (Django's createsuperuser) reads phones the way the API and the admin do."""

import io

import pytest
from django.core.management import CommandError, call_command

from users.models import User
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_createsuperuser_noinput_takes_a_local_spelling_and_stores_e164(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-admin-password")

    call_command("createsuperuser", "--noinput", phone="8 (916) 123-45-67", stdout=io.StringIO())

    admin = User.objects.get()
    assert admin.phone == "+79161234567"
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password("a-long-admin-password")
    assert len(admin.invite_code) == 6


def test_createsuperuser_interactive_takes_a_local_spelling(monkeypatch):
    answers = iter(["8 916 765-43-21"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "a-long-admin-password")

    call_command("createsuperuser", interactive=True, stdin=TTY(), stdout=io.StringIO(), stderr=io.StringIO())

    admin = User.objects.get()
    assert admin.phone == "+79167654321" and admin.is_superuser
    assert admin.check_password("a-long-admin-password")


def test_createsuperuser_refuses_a_non_phone_with_a_message_and_creates_nothing(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-admin-password")

    with pytest.raises(CommandError, match="Enter a valid phone number"):
        call_command("createsuperuser", "--noinput", phone="not a phone", stdout=io.StringIO())

    assert not User.objects.exists()


def test_createsuperuser_finds_an_existing_phone_in_another_spelling(monkeypatch):
    UserFactory(phone="+79161234567")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-admin-password")

    with pytest.raises(CommandError, match="already taken"):
        call_command("createsuperuser", "--noinput", phone="8 (916) 123-45-67", stdout=io.StringIO())

    assert User.objects.count() == 1 and not User.objects.get().is_superuser
