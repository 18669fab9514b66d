"""The admin's sign-in pages: every SMS try, and codes sent and used per country and prefix."""

from datetime import timedelta

import pytest
from django.utils import timezone

from authentication.models import OtpCode, SendStatus, SmsBlock, SmsMessage
from authentication.selectors import otp_conversion
from users.models import User

pytestmark = pytest.mark.django_db

CONVERSION_URL = "/admin/authentication/smsmessage/conversion/"


@pytest.fixture
def staff_client(client):
    client.force_login(User.objects.create_superuser(phone="+79990000009", password="a-long-admin-password"))
    return client


def _codes(phone_prefix: str, country: str, *, sent: int, used: int, status=SendStatus.SENT, age=timedelta()) -> None:
    now = timezone.now() - age
    OtpCode.objects.bulk_create(
        OtpCode(
            phone=f"{phone_prefix}{i:04d}",
            country=country,
            prefix=phone_prefix,
            send_status=status,
            code_hash="x",
            is_active=False,
            created_at=now,
            expires_at=now,
            used_at=now if i < used else None,
        )
        for i in range(sent)
    )


def test_conversion_counts_sent_and_used_codes_per_country_and_prefix_in_one_query(django_assert_num_queries):
    _codes("+7916123", "RU", sent=10, used=9)
    _codes("+7916555", "RU", sent=4, used=1)
    _codes("+2327612", "SL", sent=30, used=0)
    _codes("+7916777", "RU", sent=5, used=0, status=SendStatus.FAILED)  # never left: not counted
    _codes("+7916888", "RU", sent=7, used=7, age=timedelta(days=2))  # outside the period

    with django_assert_num_queries(1):
        by_country = otp_conversion(since=timezone.now() - timedelta(days=1), group_by="country")
    by_prefix = otp_conversion(since=timezone.now() - timedelta(days=1), group_by="prefix")

    assert [(r.key, r.sent, r.verified) for r in by_country] == [("SL", 30, 0), ("RU", 14, 10)]
    assert [(r.key, r.sent, r.verified) for r in by_prefix] == [
        ("+2327612", 30, 0),
        ("+7916123", 10, 9),
        ("+7916555", 4, 1),
    ]
    assert by_country[1].conversion == pytest.approx(10 / 14)


def test_the_conversion_page_shows_both_tables_and_the_test_numbers(staff_client, settings):
    settings.OTP_TEST_NUMBERS = {"+79990000001": "1234"}
    _codes("+2327612", "SL", sent=3, used=0)

    response = staff_client.get(CONVERSION_URL + "?days=7")

    assert response.status_code == 200
    page = response.content.decode()
    assert "<td>SL</td><td>3</td><td>0</td><td>0 %</td>" in page
    assert "<td>+2327612</td><td>3</td><td>0</td>" in page
    assert "+79990000001" in page and "1234" not in page
    assert "<strong>7 days</strong>" in page


def test_the_sms_list_shows_every_try_and_links_to_the_conversion_page(staff_client):
    SmsMessage.objects.create(
        phone="+79161234567", country="RU", provider="smsru", status="failed", latency_ms=120, error="no money"
    )
    SmsMessage.objects.create(
        phone="+79161234567", country="RU", provider="twilio", status="sent", latency_ms=340, provider_message_id="SM1"
    )

    response = staff_client.get("/admin/authentication/smsmessage/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "smsru" in page and "twilio" in page and "no money" in page
    assert CONVERSION_URL in page


def test_the_conversion_page_is_for_staff_only(client):
    response = client.get(CONVERSION_URL)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


BLOCKS_URL = "/admin/authentication/smsblock/"


def test_blocks_are_listed_and_filtered_by_state_and_kind(staff_client):
    SmsBlock.objects.create(kind="prefix", value="+7916123", conversion=0.04, sends=50, reason="50 codes sent, 2 used")
    SmsBlock.objects.create(kind="country", value="SL", conversion=0.0, sends=80, lifted_at=timezone.now())

    everything = staff_client.get(BLOCKS_URL)
    live_prefixes = staff_client.get(BLOCKS_URL, {"state": "live", "kind": "prefix"})
    lifted = staff_client.get(BLOCKS_URL, {"state": "lifted"})

    assert everything.status_code == 200
    assert "+7916123" in everything.text and "SL" in everything.text and "4%" in everything.text
    assert "+7916123" in live_prefixes.text and '<td class="field-value">SL</td>' not in live_prefixes.text
    assert '<td class="field-value">SL</td>' in lifted.text and "+7916123" not in lifted.text


def test_lift_in_the_admin_lets_codes_go_to_the_prefix_again(staff_client, api_client):
    block = SmsBlock.objects.create(kind="prefix", value="+7916123", conversion=0.0, sends=50)
    assert api_client.post("/api/login/", {"phone": "+79161234567"}, format="json").status_code == 429

    response = staff_client.post(BLOCKS_URL, {"action": "lift", "_selected_action": [block.pk]}, follow=True)

    assert response.status_code == 200 and "Lifted 1 block(s)." in response.text
    block.refresh_from_db()
    assert block.lifted_at is not None and block.lifted_by.phone == "+79990000009"
    assert api_client.post("/api/login/", {"phone": "+79161234567"}, format="json").status_code == 200
    assert OtpCode.objects.get(phone="+79161234567").send_status == SendStatus.SENT
