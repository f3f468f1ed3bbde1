"""An event still to come cannot be moved into the past, whatever the path (QA round 9).

Staff changed an event of 11/12 with a confirmed registrant to 01/12 10:00-12:00 in the
admin: saved; the "event changed" email was dropped ("Event is over") and the registrant
never heard. The console refused it in its form only; the rule is now the edit service's
(`event_move_check`), shown on the start field by the console's form and the admin's.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from betacowork.messaging.models import Outbox
from events import services

from .factories import EventFactory, RegistrationFactory
from .test_admin import _change_data, admin_client  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

REFUSED = "This date is past: an event still to come can only move to a date to come."


@pytest.fixture
def evening():
    """An evening in four days with a confirmed registrant."""
    start = timezone.localtime(timezone.now() + timedelta(days=4)).replace(
        hour=18, minute=0, second=0, microsecond=0
    )
    event = EventFactory(title="Switch IT day", start=start, end=start + timedelta(hours=3))
    RegistrationFactory(event=event)
    return event


def test_the_admin_refuses_to_move_an_event_to_come_into_the_past(
    admin_client,  # noqa: F811
    evening,
):
    start = evening.start
    past = timezone.localtime(timezone.now() - timedelta(days=6))
    data = _change_data(
        evening,
        start_0=past.strftime("%Y-%m-%d"),
        start_1="10:00:00",
        end_0=past.strftime("%Y-%m-%d"),
        end_1="12:00:00",
    )
    url = reverse("admin:events_event_change", args=[evening.pk])
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["start"] == [REFUSED]
    evening.refresh_from_db()
    assert (evening.start, evening.version) == (start, 1)
    assert not Outbox.objects.filter(kind="events.event_changed").exists()


def test_the_edit_service_refuses_it_on_the_start(evening):
    past = timezone.now() - timedelta(days=6)
    with pytest.raises(ValidationError) as caught:
        services.event_update(event=evening, data={"start": past, "end": past + timedelta(hours=2)})
    assert caught.value.message_dict == {"start": [REFUSED]}
    evening.refresh_from_db()
    assert evening.version == 1


def test_the_admin_may_still_correct_the_time_of_an_event_that_has_started(
    admin_client,  # noqa: F811
):
    """Yesterday's evening began at 18:00; it really began at 17:30."""
    start = timezone.localtime(timezone.now() - timedelta(days=1)).replace(
        hour=18, minute=0, second=0, microsecond=0
    )
    event = EventFactory(start=start, end=start + timedelta(hours=3))
    url = reverse("admin:events_event_change", args=[event.pk])
    response = admin_client.post(url, _change_data(event, start_1="17:30:00"))
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.start == start - timedelta(minutes=30)
