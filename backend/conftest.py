import itertools

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.servers.basehttp import WSGIServer
from rest_framework.test import APIClient

from authentication.sms import locmem

# The live test server listens with a backlog of 10; the concurrency tests connect 50 clients at once.
WSGIServer.request_queue_size = 128


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # The per-IP throttles keep their counters in the database cache table.
    with django_db_blocker.unblock():
        call_command("createcachetable", verbosity=0)


@pytest.fixture(autouse=True)
def _clean_state():
    locmem.outbox.clear()
    yield
    locmem.outbox.clear()


@pytest.fixture
def clear_cache(db):
    cache.clear()


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
