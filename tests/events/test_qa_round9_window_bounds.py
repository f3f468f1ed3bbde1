"""A registration window must let people in before the event (QA round 9).

On an event of 21/03/2027, staff set the window to open 01/04/2027 and close 02/04/2027: the
admin accepted it, the page said "Registration opens on 01/04/2027" and nobody could ever
register. The rule (`validate_registration_window`) is the admin form's and the services'.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from events import services
from events.models import Event

from .factories import EventFactory, kind
from .test_admin import _change_data, admin_client  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")
START = datetime(2027, 3, 21, 18, 0, tzinfo=BRUSSELS)


@pytest.fixture
def spring_talk():
    return EventFactory(title="Spring talk", start=START, end=START.replace(hour=20))


def _window(**dates) -> dict:
    """The admin's split fields for the window: `opens="2027-04-01 10:00"`…"""
    data = {}
    for name, value in dates.items():
        day, time = value.split()
        data[f"registration_{name}_at_0"] = day
        data[f"registration_{name}_at_1"] = f"{time}:00"
    return data


@pytest.mark.parametrize(
    ("dates", "field", "message"),
    [
        (
            {"opens": "2027-04-01 10:00", "closes": "2027-04-02 10:00"},
            "registration_opens_at",
            "Registration must open before the event starts.",
        ),
        (
            {"opens": "2027-03-21 18:00"},
            "registration_opens_at",
            "Registration must open before the event starts.",
        ),
        (
            {"opens": "2027-03-01 10:00", "closes": "2027-03-22 10:00"},
            "registration_closes_at",
            "Registration cannot close after the event starts: leave it empty to keep it open "
            "until the start.",
        ),
    ],
    ids=["after-the-event", "opens-at-the-start", "closes-after-the-start"],
)
def test_the_admin_refuses_a_window_after_the_event_on_its_field(
    admin_client,  # noqa: F811
    spring_talk,
    dates,
    field,
    message,
):
    url = reverse("admin:events_event_change", args=[spring_talk.pk])
    response = admin_client.post(url, _change_data(spring_talk, **_window(**dates)))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field] == [message]
    assert message in response.content.decode()
    spring_talk.refresh_from_db()
    assert (spring_talk.registration_opens_at, spring_talk.registration_closes_at) == (None, None)


def test_the_admin_accepts_a_window_up_to_the_start(admin_client, spring_talk):  # noqa: F811
    url = reverse("admin:events_event_change", args=[spring_talk.pk])
    dates = {"opens": "2027-03-01 10:00", "closes": "2027-03-21 18:00"}
    response = admin_client.post(url, _change_data(spring_talk, **_window(**dates)))
    assert response.status_code == 302
    spring_talk.refresh_from_db()
    assert spring_talk.registration_closes_at == START


def test_the_edit_service_refuses_a_window_after_the_event_or_closing_before_it_opens(
    spring_talk,
):
    after = datetime(2027, 4, 1, 10, 0, tzinfo=BRUSSELS)
    with pytest.raises(ValidationError) as caught:
        services.event_update(event=spring_talk, data={"registration_opens_at": after})
    assert caught.value.message_dict == {
        "registration_opens_at": ["Registration must open before the event starts."]
    }
    opens, closes = datetime(2027, 3, 10, tzinfo=BRUSSELS), datetime(2027, 3, 5, tzinfo=BRUSSELS)
    with pytest.raises(ValidationError) as caught:
        services.event_update(
            event=spring_talk,
            data={"registration_opens_at": opens, "registration_closes_at": closes},
        )
    assert caught.value.message_dict == {
        "registration_closes_at": ["Registration must close after it opens."]
    }
    spring_talk.refresh_from_db()
    assert (spring_talk.registration_opens_at, spring_talk.registration_closes_at) == (None, None)


def test_a_new_event_with_its_window_after_it_is_not_created():
    with pytest.raises(ValidationError) as caught:
        services.event_create(
            actor=None,
            title="Spring talk",
            kind=kind("talk"),
            start=START,
            end=START.replace(hour=20),
            registration_opens_at=datetime(2027, 4, 1, 10, 0, tzinfo=BRUSSELS),
        )
    assert "registration_opens_at" in caught.value.message_dict
    assert not Event.objects.exists()
