"""SMS.ru: POST {SMSRU_API_URL}/sms/send with api_id, to, msg (and from), json=1.

The JSON answer has a request-level `status` ("OK" or "ERROR") and `status_code` (100 is success; 200
wrong api_id, 201 not enough money, 220 service unavailable, ...), then one entry per number under `sms`
with its own status, status_code, status_text and, when accepted, `sms_id`. SMS.ru answers HTTP 200 for
all of these, so the codes are what decide.
"""

from django.conf import settings

from authentication.sms.base import HttpSmsBackend, SmsSendError

OK_CODE = 100


class SmsRuSmsBackend(HttpSmsBackend):
    name = "smsru"

    def __init__(self) -> None:
        self.api_id = settings.SMSRU_API_ID
        self.sender = settings.SMSRU_FROM
        self.api_url = settings.SMSRU_API_URL.rstrip("/")

    def send(self, *, phone: str, text: str) -> str:
        if not self.api_id:
            raise SmsSendError("SMSRU_API_ID is not set", code="not_configured")
        number = phone.lstrip("+")
        data = {"api_id": self.api_id, "to": number, "msg": text, "json": "1"}
        if self.sender:
            data["from"] = self.sender
        response = self.post(f"{self.api_url}/sms/send", data=data)
        if response.status_code != 200:
            raise SmsSendError(f"HTTP {response.status_code}: {response.text[:200]!r}", code=response.status_code)
        body = self.json_or_error(response)
        if body.get("status") != "OK" or body.get("status_code") != OK_CODE:
            raise SmsSendError(body.get("status_text") or "request refused", code=body.get("status_code"))
        sms = body.get("sms") or {}
        entry = sms.get(number)
        if entry is None and len(sms) == 1:
            # One number sent, one answer: whatever spelling of the number SMS.ru keyed it by.
            entry = next(iter(sms.values()))
        if not isinstance(entry, dict):
            raise SmsSendError(f"no answer for {number} in {str(body)[:200]}")
        if entry.get("status") != "OK" or entry.get("status_code") != OK_CODE or not entry.get("sms_id"):
            raise SmsSendError(entry.get("status_text") or "message refused", code=entry.get("status_code"))
        return str(entry["sms_id"])
