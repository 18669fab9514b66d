from dataclasses import dataclass

from authentication.sms.base import SimulatedGatewaySmsBackend


@dataclass(frozen=True)
class SentSms:
    phone: str
    text: str


# Like django.core.mail.outbox: tests read (and clear) the messages "sent" by this process.
outbox: list[SentSms] = []


class LocmemSmsBackend(SimulatedGatewaySmsBackend):
    name = "locmem"

    def deliver(self, *, phone: str, text: str) -> None:
        outbox.append(SentSms(phone=phone, text=text))
