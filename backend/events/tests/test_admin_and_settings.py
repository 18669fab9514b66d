"""Endpoints from WEBHOOK_URL, the admin's webhook pages and its resend action."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from events.models import DeliveryStatus, EventType, WebhookDelivery, WebhookEndpoint
from events.services import event_record
from users.models import User

pytestmark = pytest.mark.django_db

BACKEND = Path(__file__).resolve().parents[2]
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
OTHER_SECRET = "whsec_QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"


def settings_of(**env: str) -> subprocess.CompletedProcess:
    code = "from django.conf import settings; print(settings.WEBHOOK_ENDPOINTS)"
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=BACKEND, env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test", **env},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_webhook_url_takes_url_secret_pairs_and_bare_urls_with_the_shared_secret():
    done = settings_of(
        WEBHOOK_URL=f"https://a.example/hook|{OTHER_SECRET}, http://127.0.0.1:9000/hook", WEBHOOK_SECRET=SECRET
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == str(
        [("https://a.example/hook", OTHER_SECRET), ("http://127.0.0.1:9000/hook", SECRET)]
    )


@pytest.mark.parametrize(
    "value", ["https://a.example/hook", f"ftp://a.example|{SECRET}", "https://a.example|secret", f"|{SECRET}"]
)
def test_webhook_url_without_an_http_url_and_a_whsec_secret_stops_the_start(value):
    done = settings_of(WEBHOOK_URL=value, WEBHOOK_SECRET="")
    assert done.returncode != 0
    assert "WEBHOOK_URL" in done.stderr and "whsec_" in done.stderr


def test_endpoint_sync_creates_updates_the_secret_and_keeps_the_admins_active_flag(settings):
    settings.WEBHOOK_ENDPOINTS = [("https://a.example/hook", SECRET), ("https://b.example/hook", SECRET)]
    call_command("webhook_endpoints_sync", stdout=open(os.devnull, "w"))
    WebhookEndpoint.objects.filter(url="https://b.example/hook").update(active=False)

    settings.WEBHOOK_ENDPOINTS = [("https://a.example/hook", OTHER_SECRET), ("https://b.example/hook", SECRET)]
    call_command("webhook_endpoints_sync", stdout=open(os.devnull, "w"))

    assert sorted(WebhookEndpoint.objects.values_list("url", "secret", "active")) == [
        ("https://a.example/hook", OTHER_SECRET, True),
        ("https://b.example/hook", SECRET, False),
    ]


@pytest.fixture
def staff_client(client):
    client.force_login(User.objects.create_superuser(phone="+79990000001", password="a-long-admin-password"))
    return client


def test_admin_lists_deliveries_and_resend_requeues_only_failed_ones(staff_client):
    WebhookEndpoint.objects.create(url="https://a.example/hook", secret=SECRET)
    with transaction.atomic():
        events = [event_record(type=EventType.USER_SIGNED_UP, subject_id=n, payload={"n": n}) for n in range(2)]
    failed = WebhookDelivery.objects.get(event=events[0])
    WebhookDelivery.objects.filter(pk=failed.pk).update(status=DeliveryStatus.FAILED, attempts=8, last_error="HTTP 500")
    pending = WebhookDelivery.objects.get(event=events[1])
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")

    assert staff_client.get("/admin/events/webhookdelivery/").status_code == 200
    assert staff_client.get("/admin/events/webhookendpoint/").status_code == 200
    answer = staff_client.post(
        "/admin/events/webhookdelivery/",
        {"action": "resend", "_selected_action": [failed.pk, pending.pk]},
        follow=True,
    )

    assert answer.status_code == 200 and "1 deliveries queued again." in answer.content.decode()
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == (DeliveryStatus.PENDING, 0, "")
    with connection.cursor() as cursor:
        cursor.execute("SELECT args ->> 'delivery_id', lock FROM procrastinate_jobs")
        assert cursor.fetchall() == [(str(failed.pk), f"webhook:{failed.endpoint_id}:0")]
