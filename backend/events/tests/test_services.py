import pytest
from django.db import transaction

from events.models import Event, EventType
from events.services import NotInTransaction, event_record

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_event_is_kept_with_its_change_and_dropped_with_it():
    with transaction.atomic():
        kept = event_record(type=EventType.USER_SIGNED_UP, subject_id=1, payload={"phone": "+79161234567"})

    with pytest.raises(RuntimeError), transaction.atomic():
        event_record(type=EventType.USER_SIGNED_UP, subject_id=2, payload={})
        raise RuntimeError("the change fails after the event was written")

    assert list(Event.objects.values_list("id", "subject_id")) == [(kept.id, 1)]


def test_an_event_outside_a_transaction_is_refused():
    with pytest.raises(NotInTransaction):
        event_record(type=EventType.INVITE_OPENED, subject_id=1, payload={})
    assert not Event.objects.exists()
