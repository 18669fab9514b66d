"""The webhook sender: one signed POST per attempt, per the Standard Webhooks spec (standardwebhooks.com).

Headers: webhook-id (the event's id: the same on every attempt, so receivers can drop duplicates),
webhook-timestamp (of this attempt, in seconds) and webhook-signature ("v1,<base64 HMAC-SHA256 of
id.timestamp.body>"), computed by the spec's own `standardwebhooks` package. Body:
{"type": ..., "timestamp": <when the event happened, ISO 8601 in UTC>, "data": {...the event's payload}}.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from standardwebhooks import Webhook

from events.models import Event


@dataclass(frozen=True)
class SendResult:
    status_code: int | None  # None: no answer (refused, timed out)
    error: str  # "" when the receiver took it

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z, as the API and the event payloads write times."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def webhook_body(event: Event) -> str:
    return json.dumps(
        {"type": event.type, "timestamp": iso_utc(event.created_at), "data": event.payload},
        separators=(",", ":"),
        ensure_ascii=False,
    )


def webhook_send(*, url: str, secret: str, event: Event, timeout: float) -> SendResult:
    """POST `event` to `url`, signed with `secret`. Never raises for the receiver's sake: a refusal, a timeout or
    a non-2xx answer comes back as a SendResult that isn't delivered."""
    body = webhook_body(event)
    now = datetime.now(tz=UTC)
    headers = {
        "content-type": "application/json",
        "user-agent": "referral-webhooks/1",
        "webhook-id": str(event.id),
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id=str(event.id), timestamp=now, data=body),
    }
    try:
        answer = httpx.post(url, content=body.encode(), headers=headers, timeout=timeout, follow_redirects=False)
    except httpx.HTTPError as exc:
        return SendResult(status_code=None, error=f"{type(exc).__name__}: {exc}"[:500])
    if 200 <= answer.status_code < 300:
        return SendResult(status_code=answer.status_code, error="")
    return SendResult(status_code=answer.status_code, error=f"HTTP {answer.status_code}: {answer.text[:200]}")
