import re

from authentication.sms import locmem


def last_sms_code(phone: str) -> str:
    """The code of the last SMS "sent" to `phone` by the in-memory backend."""
    for sms in reversed(locmem.outbox):
        if sms.phone == phone:
            return re.search(r"\d{4,}", sms.text).group()
    raise AssertionError(f"no SMS was sent to {phone}")


def wrong_code(code: str) -> str:
    """Another code of the same length."""
    return f"{(int(code) + 1) % 10 ** len(code):0{len(code)}d}"
