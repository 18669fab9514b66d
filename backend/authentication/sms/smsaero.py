"""SMS Aero (API v2): POST {SMSAERO_API_URL}/sms/send, HTTP basic auth with the account's email and API key,
a JSON body {number, text, sign}.

Every answer is {"success": bool, "data": ..., "message": str | null}: on success `data` is the message
with its `id`; on failure `message` says why (invalid credentials, a validation error with the fields in
`data`, not enough money) and the HTTP status is 4xx. The older gateway's shapes {"result": "reject",
"reason": ...} and {"result": "no credits"} are refusals too.
"""

from django.conf import settings

from authentication.sms.base import HttpSmsBackend, SmsSendError


class SmsAeroSmsBackend(HttpSmsBackend):
    name = "smsaero"

    def __init__(self) -> None:
        self.email = settings.SMSAERO_EMAIL
        self.api_key = settings.SMSAERO_API_KEY
        self.sign = settings.SMSAERO_SIGN
        self.api_url = settings.SMSAERO_API_URL.rstrip("/")

    def send(self, *, phone: str, text: str) -> str:
        if not (self.email and self.api_key):
            raise SmsSendError("SMSAERO_EMAIL and SMSAERO_API_KEY are not set", code="not_configured")
        payload = {"number": int(phone.lstrip("+")), "text": text, "sign": self.sign}
        response = self.post(f"{self.api_url}/sms/send", json=payload, auth=(self.email, self.api_key))
        body = self.json_or_error(response)
        if body.get("result") in {"reject", "no credits"}:
            raise SmsSendError(body.get("reason") or body["result"], code=body["result"])
        data = body.get("data")
        if body.get("success") is not True or not response.is_success:
            message = body.get("message") or f"HTTP {response.status_code}"
            if isinstance(data, dict) and data:
                # A validation error lists the fields at fault: {"number": ["..."]}.
                message = f"{message} {data}"
            raise SmsSendError(message, code=response.status_code)
        if isinstance(data, list):
            data = data[0] if data else None
        if not isinstance(data, dict) or data.get("id") is None:
            raise SmsSendError(f"accepted without a message id: {str(body)[:200]}")
        return str(data["id"])
