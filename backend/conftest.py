import itertools

import pytest
from django.core.servers.basehttp import WSGIServer
from rest_framework.test import APIClient

from authentication.sms import locmem

# The live test server listens with a backlog of 10; the concurrency tests connect 50 clients at once.
WSGIServer.request_queue_size = 128


@pytest.fixture(autouse=True)
def _clean_state():
    locmem.outbox.clear()
    yield
    locmem.outbox.clear()


@pytest.fixture
def api_client():
    return APIClient()


_phones = itertools.count(1000000)


@pytest.fixture
def new_phone():
    """A fresh, valid Russian mobile number in E.164 for each call."""

    def make() -> str:
        return f"+7916{next(_phones):07d}"

    return make
