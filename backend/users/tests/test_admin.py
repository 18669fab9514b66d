"""The Django admin's user pages and sign-in, through the real admin views."""

import pytest

from users.invite_codes import PATTERN
from users.models import User
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/users/user/add/"
PASSWORD = "a-long-admin-password"
SPELLINGS = ["8 (916) 123-45-67", "89161234567", "+7 916 123-45-67", "9161234567", "+7 (916) 123-45-67"]


@pytest.fixture
def superuser():
    return User.objects.create_superuser(phone="+79990000001", password=PASSWORD)


@pytest.fixture
def staff_client(client, superuser):
    client.force_login(superuser)
    return client


def _add(client, **fields):
    data = {"phone": "", "usable_password": "false", "password1": "", "password2": "", **fields}
    return client.post(ADD_URL, data)


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_admin_add_creates_user_with_e164_phone_and_a_random_invite_code(staff_client, spelling):
    response = _add(staff_client, phone=spelling)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    user = User.objects.get(phone="+79161234567")
    assert response.url == f"/admin/users/user/{user.pk}/change/"
    assert PATTERN.match(user.invite_code)
    assert user.referred_by_id is None and user.referrals_count == 0
    assert not user.is_staff and not user.has_usable_password()


def test_admin_add_draws_another_invite_code_on_a_collision(staff_client, monkeypatch):
    taken = UserFactory()
    codes = iter([taken.invite_code, "ZZZZZZ"])
    monkeypatch.setattr("users.models.invite_code_generate", lambda: next(codes))

    response = _add(staff_client, phone="+79161234567")

    assert response.status_code == 302
    assert User.objects.get(phone="+79161234567").invite_code == "ZZZZZZ"


def test_admin_add_staff_user_with_a_password(staff_client):
    response = _add(
        staff_client,
        phone="8 916 123 45 67",
        is_staff="on",
        usable_password="true",
        password1="Another-long-pass-42",
        password2="Another-long-pass-42",
    )

    assert response.status_code == 302
    user = User.objects.get(phone="+79161234567")
    assert user.is_staff and not user.is_superuser
    assert user.check_password("Another-long-pass-42")
    assert PATTERN.match(user.invite_code)


def test_admin_add_refuses_a_staff_user_without_a_password(staff_client):
    response = _add(staff_client, phone="+79161234567", is_staff="on", usable_password="false")

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "password" in errors["usable_password"][0]
    assert not User.objects.filter(phone="+79161234567").exists()


def test_admin_add_refuses_mismatched_passwords(staff_client):
    response = _add(
        staff_client, phone="+79161234567", usable_password="true", password1="Long-pass-one-1", password2="other"
    )

    assert response.status_code == 200
    assert "password2" in response.context["adminform"].form.errors
    assert not User.objects.filter(phone="+79161234567").exists()


@pytest.mark.parametrize("phone", ["", "12345", "not a phone", "+7 916 123-45-6", "8 (916) 123-45-678", "+" + "9" * 40])
def test_admin_add_refuses_a_bad_phone_with_a_form_error(staff_client, phone):
    response = _add(staff_client, phone=phone)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["phone"]
    assert User.objects.count() == 1  # the superuser only


def test_admin_add_refuses_a_taken_phone_in_another_spelling(staff_client):
    existing = UserFactory(phone="+79161234567")

    response = _add(staff_client, phone="8 (916) 123-45-67")

    assert response.status_code == 200
    assert "already exists" in response.context["adminform"].form.errors["phone"][0]
    assert list(User.objects.filter(phone="+79161234567")) == [existing]


def _change_data(user, **fields):
    return {"phone": user.phone, "is_active": "on", **fields}


def test_admin_change_normalises_a_new_phone(staff_client):
    user = UserFactory()

    response = staff_client.post(f"/admin/users/user/{user.pk}/change/", _change_data(user, phone="8 (916) 765-43-21"))

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.phone == "+79167654321"


def test_admin_change_refuses_a_bad_phone_with_a_form_error(staff_client):
    user = UserFactory()
    before = user.phone

    response = staff_client.post(f"/admin/users/user/{user.pk}/change/", _change_data(user, phone="8 (916) 12"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["phone"]
    user.refresh_from_db()
    assert user.phone == before


def test_admin_login_page_takes_a_phone_longer_than_its_e164_spelling(client):
    response = client.get("/admin/login/")

    assert response.status_code == 200
    assert 'maxlength="32"' in response.content.decode()


@pytest.mark.parametrize("spelling", ["8 (999) 000-00-01", "89990000001", "+7 999 000-00-01", "9990000001"])
def test_admin_login_takes_any_spelling_of_the_phone(client, superuser, spelling):
    response = client.post("/admin/login/?next=/admin/", {"username": spelling, "password": PASSWORD})

    assert response.status_code == 302 and response.url == "/admin/"
    assert client.session["_auth_user_id"] == str(superuser.pk)
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    ("username", "password"), [("8 (999) 000-00-01", "wrong-password"), ("not a phone", PASSWORD), ("", PASSWORD)]
)
def test_admin_login_refuses_a_wrong_password_or_phone(client, superuser, username, password):
    response = client.post("/admin/login/?next=/admin/", {"username": username, "password": password})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_admin_login_refuses_a_user_who_is_not_staff(client):
    user = UserFactory(phone="+79161234567")
    user.set_password(PASSWORD)
    user.save()

    response = client.post("/admin/login/?next=/admin/", {"username": "8 (916) 123-45-67", "password": PASSWORD})

    assert response.status_code == 200
    assert "staff account" in response.context["form"].non_field_errors()[0]
    assert "_auth_user_id" not in client.session
