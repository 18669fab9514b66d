"""Pluggable SMS backends, chosen by the SMS_BACKEND setting (a dotted path), like Django's email backends."""

import random
import time

from django.conf import settings
from django.utils.module_loading import import_string


class BaseSmsBackend:
    def send(self, *, phone: str, text: str) -> None:
        raise NotImplementedError


class SimulatedGatewaySmsBackend(BaseSmsBackend):
    """Waits OTP_SEND_DELAY (a random 1–2 s by default) like a real gateway round trip, then delivers.

    The wait is `time.sleep`, which gunicorn's gevent worker patches into a cooperative sleep:
    the waiting request yields its greenlet and the worker keeps serving everything else.
    """

    def send(self, *, phone: str, text: str) -> None:
        low, high = settings.OTP_SEND_DELAY
        if high > 0:
            time.sleep(random.uniform(low, high))
        self.deliver(phone=phone, text=text)

    def deliver(self, *, phone: str, text: str) -> None:
        raise NotImplementedError


def get_sms_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()
