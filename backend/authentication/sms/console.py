import sys

from authentication.sms.base import SimulatedGatewaySmsBackend


class ConsoleSmsBackend(SimulatedGatewaySmsBackend):
    """Prints the message to the server's standard output (the default)."""

    name = "console"

    def deliver(self, *, phone: str, text: str) -> None:
        sys.stdout.write(f"SMS to {phone}: {text}\n")
        sys.stdout.flush()
