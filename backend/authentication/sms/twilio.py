"""Twilio Programmable Messaging: create a Message resource.

POST {TWILIO_API_URL}/2010-04-01/Accounts/{AccountSid}/Messages.json, HTTP basic auth AccountSid:AuthToken,
form-encoded To, From (or MessagingServiceSid when TWILIO_FROM is a Messaging Service, MG...) and Body.
201 Created returns the message with its `sid` (SM...). An error is a 4xx/5xx with a JSON body
{"code": 21211, "message": "...", "more_info": "...", "status": 400}. We make our own codes, so this is
plain messaging, not Twilio Verify.
"""

from django.conf import settings

from authentication.sms.base import HttpSmsBackend, SmsSendError


class TwilioSmsBackend(HttpSmsBackend):
    name = "twilio"

    def __init__(self) -> None:
        self.account_sid = settings.TWILIO_ACCOUNT_SID
        self.auth_token = settings.TWILIO_AUTH_TOKEN
        self.sender = settings.TWILIO_FROM
        self.api_url = settings.TWILIO_API_URL.rstrip("/")

    def send(self, *, phone: str, text: str) -> str:
        if not (self.account_sid and self.auth_token and self.sender):
            raise SmsSendError(
                "TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM are not set", code="not_configured"
            )
        sender_field = "MessagingServiceSid" if self.sender.startswith("MG") else "From"
        response = self.post(
            f"{self.api_url}/2010-04-01/Accounts/{self.account_sid}/Messages.json",
            data={"To": phone, sender_field: self.sender, "Body": text},
            auth=(self.account_sid, self.auth_token),
        )
        body = self.json_or_error(response)
        if not response.is_success:
            raise SmsSendError(body.get("message") or f"HTTP {response.status_code}", code=body.get("code"))
        if body.get("status") == "failed" or not body.get("sid"):
            raise SmsSendError(
                body.get("error_message") or f"not accepted: {str(body)[:200]}", code=body.get("error_code")
            )
        return str(body["sid"])
