"""The events admin, as exploratory testers found it (round 3): deleting registrations and
events, cancelling through the edit form, check-ins in bulk, the CSV export, labels and
capacity bounds — each through the services, as staff would notice it."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from betacowork.messaging.models import Outbox
from betacowork.messaging.sender import outbox_send_due
from events import services
from events.admin import event_actions
from events.models import Event, Registration
from tests.factories import UserFactory

from .factories import EventFactory, EventSeriesFactory, RegistrationFactory
from .test_admin import _action, _add_data, _change_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _full_event_with_waitlist():
    """Two seats taken, one person waiting."""
    event = EventFactory(capacity=2)
    regs = [services.event_register(event=event, user=UserFactory()) for _ in range(3)]
    assert [r.status for r in regs] == ["confirmed", "confirmed", "waitlisted"]
    return event, regs


def _counts(event) -> tuple[int, int]:
    return event.registrations.confirmed().count(), event.registrations.waitlisted().count()


# 1. Deleting a registration ----------------------------------------------------------------


def _delete_registrations(admin_client, regs, **extra):
    return admin_client.post(
        reverse("admin:events_registration_changelist"),
        {"action": "delete_selected", "_selected_action": [r.pk for r in regs], **extra},
        follow=True,
    )


def test_deleting_a_seat_at_an_event_to_come_is_refused_and_the_waitlist_keeps_its_turn(
    admin_client,
):
    event, (first, *_rest) = _full_event_with_waitlist()
    for extra in ({}, {"post": "yes"}):  # the confirmation page, and its confirmation
        response = _delete_registrations(admin_client, [first], **extra)
        assert response.status_code == 200
        assert "Nothing was deleted" in " ".join(_messages(response))
        assert "Cancel the selected registrations (the waitlist moves up)" in " ".join(
            _messages(response)
        )
    assert Registration.objects.filter(pk=first.pk).exists()
    assert _counts(event) == (2, 1)
    # A newcomer does not get a seat ahead of the waitlist.
    newcomer = services.event_register(event=event, user=UserFactory())
    assert newcomer.status == Registration.Status.WAITLISTED


def test_the_delete_page_of_an_active_registration_refuses_with_the_reason(admin_client):
    event, (first, *_rest) = _full_event_with_waitlist()
    url = reverse("admin:events_registration_delete", args=[first.pk])
    change = reverse("admin:events_registration_change", args=[first.pk])
    shown = admin_client.get(url, follow=True)
    assert shown.redirect_chain == [(change, 302)]
    assert "still holds a place at an event to come" in " ".join(_messages(shown))
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert response["Location"] == change
    assert Registration.objects.filter(pk=first.pk).exists()
    assert _counts(event) == (2, 1)


def test_cancelled_and_past_registrations_can_still_be_deleted(admin_client):
    event, (first, _second, waiting) = _full_event_with_waitlist()
    admin_client.post(
        reverse("admin:events_registration_changelist"),
        {"action": "action_cancel", "_selected_action": [first.pk]},
    )
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED  # promoted by the cancel action
    now = timezone.now()
    past = EventFactory(start=now - timedelta(days=3), end=now - timedelta(days=3, hours=-2))
    attended = RegistrationFactory(event=past)
    response = _delete_registrations(admin_client, [first, attended], post="yes")
    assert "Successfully deleted 2 registrations." in " ".join(_messages(response))
    assert not Registration.objects.filter(pk__in=[first.pk, attended.pk]).exists()
    assert _counts(event) == (2, 0)


# 2. and 3. The status field of the edit form ---------------------------------------------


def test_the_edit_form_cannot_cancel_an_event_that_has_happened(admin_client):
    now = timezone.now()
    event = EventFactory(start=now - timedelta(days=2), end=now - timedelta(days=2, hours=-2))
    RegistrationFactory.create_batch(3, event=event)
    url = reverse("admin:events_event_change", args=[event.pk])
    response = admin_client.post(url, _change_data(event, status=Event.Status.CANCELLED))
    assert response.status_code == 200  # the form again, with the reason
    assert "has already started: it can no longer be cancelled." in response.content.decode()
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED
    assert event.cancelled_at is None
    assert not Outbox.objects.filter(dedup_key__startswith="event-cancelled:").exists()


def test_an_event_to_come_is_still_cancelled_through_the_edit_form(admin_client, event):
    reg = services.event_register(event=event, user=UserFactory())
    url = reverse("admin:events_event_change", args=[event.pk])
    response = admin_client.post(url, _change_data(event, status=Event.Status.CANCELLED))
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED
    assert Outbox.objects.filter(dedup_key=f"event-cancelled:{event.pk}:{reg.pk}").exists()


@pytest.mark.parametrize("status", [Event.Status.PUBLISHED, Event.Status.DRAFT])
def test_cancelling_is_final_in_the_edit_form(admin_client, event, status):
    services.event_register(event=event, user=UserFactory())
    assert services.event_cancel(event=event) == 1
    url = reverse("admin:events_event_change", args=[event.pk])
    response = admin_client.post(url, _change_data(event, status=status))
    assert response.status_code == 200
    assert "cancelling is final" in response.content.decode()
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED
    # Other fields of a cancelled event can still be corrected.
    response = admin_client.post(url, _change_data(event, description="Room flooded."))
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.status, event.description) == (Event.Status.CANCELLED, "Room flooded.")


def test_the_service_refuses_both_status_changes_too(event):
    now = timezone.now()
    past = EventFactory(start=now - timedelta(days=1), end=now - timedelta(hours=22))
    with pytest.raises(ValidationError) as refused:
        services.event_update(event=past, data={"status": Event.Status.CANCELLED})
    assert "status" in refused.value.message_dict
    services.event_cancel(event=event)
    with pytest.raises(ValidationError) as refused:
        services.event_update(event=event, data={"status": Event.Status.PUBLISHED})
    assert "cancelling is final" in refused.value.message_dict["status"][0]
    past.refresh_from_db()
    event.refresh_from_db()
    assert (past.status, event.status) == (Event.Status.PUBLISHED, Event.Status.CANCELLED)


def test_the_console_edit_form_has_no_status_to_uncancel_with():
    from events.console.forms import EventForm

    assert "status" not in EventForm.base_fields


# 4. Marking attended in bulk --------------------------------------------------------------


def _under_way(**kwargs):
    now = timezone.now()
    return EventFactory(start=now - timedelta(hours=1), end=now + timedelta(hours=1), **kwargs)


def test_mark_attended_skips_cancelled_and_future_events_and_names_them(admin_client, event):
    under_way = _under_way(title="Lunch today")
    done = RegistrationFactory.create_batch(2, event=under_way)
    cancelled = _under_way(title="Cancelled talk", status=Event.Status.CANCELLED)
    kept_out = [RegistrationFactory(event=cancelled)]
    kept_out.append(services.event_register(event=event, user=UserFactory()))
    response = _action(admin_client, "action_mark_attended", [under_way, cancelled, event])
    assert response.status_code == 200
    shown = _messages(response)
    assert "2 people marked as attended." in shown
    assert "Nobody checked in at this cancelled event: “Cancelled talk”." in shown
    assert "Nobody checked in at this event, which has not started yet: “Betacooks lunch”." in shown
    assert all(Registration.objects.get(pk=r.pk).checked_in_at for r in done)
    assert not any(Registration.objects.get(pk=r.pk).checked_in_at for r in kept_out)


def test_mark_attended_is_all_or_nothing_per_event(admin_client, monkeypatch):
    first = _under_way(title="Cancelled meanwhile")
    regs = RegistrationFactory.create_batch(2, event=first)
    second = _under_way(title="Lunch today")
    other = RegistrationFactory(event=second)
    real = services.registration_check_in
    calls = []

    def check_in(*, registration, actor):
        calls.append(registration.pk)
        if registration.event_id == first.pk and len(calls) == 2:
            # The event was cancelled between the list and this registration.
            raise ValidationError("This event is cancelled.", code="cancelled")
        return real(registration=registration, actor=actor)

    monkeypatch.setattr(event_actions.services, "registration_check_in", check_in)
    response = _action(admin_client, "action_mark_attended", [first, second])
    shown = _messages(response)
    assert "1 person marked as attended." in shown
    assert "Nobody checked in at this cancelled event: “Cancelled meanwhile”." in shown
    assert not any(Registration.objects.get(pk=r.pk).checked_in_at for r in regs)
    assert Registration.objects.get(pk=other.pk).checked_in_at


# 5. Deleting an event -------------------------------------------------------------------


def _delete_events(admin_client, events, **extra):
    return admin_client.post(
        reverse("admin:events_event_changelist"),
        {"action": "delete_selected", "_selected_action": [e.pk for e in events], **extra},
        follow=True,
    )


def test_an_event_to_come_with_registrants_is_not_deleted(admin_client, event):
    reg = services.event_register(event=event, user=UserFactory())
    empty = EventFactory()
    for extra in ({}, {"post": "yes"}):
        response = _delete_events(admin_client, [event, empty], **extra)
        assert response.status_code == 200
        shown = " ".join(_messages(response))
        assert "Nothing was deleted: “Betacooks lunch (" in shown
        assert "has not happened yet and people are registered" in shown
        assert "Cancel the selected events (registrants are told)" in shown
    assert Event.objects.filter(pk__in=[event.pk, empty.pk]).count() == 2
    assert Registration.objects.filter(pk=reg.pk).exists()

    url = reverse("admin:events_event_delete", args=[event.pk])
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:events_event_change", args=[event.pk])
    assert Event.objects.filter(pk=event.pk).exists()


def test_past_cancelled_and_empty_events_can_be_deleted(admin_client, event):
    now = timezone.now()
    past = EventFactory(start=now - timedelta(days=3), end=now - timedelta(days=3, hours=-2))
    RegistrationFactory(event=past)
    services.event_register(event=event, user=UserFactory())
    services.event_cancel(event=event)
    empty = EventFactory()
    cancelled_seat = services.event_register(event=empty, user=UserFactory())
    services.registration_cancel(registration=cancelled_seat)
    response = _delete_events(admin_client, [past, event, empty], post="yes")
    assert "Successfully deleted 3 events." in " ".join(_messages(response))
    assert not Event.objects.exists()
    solo = EventFactory()
    response = admin_client.post(
        reverse("admin:events_event_delete", args=[solo.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Event.objects.filter(pk=solo.pk).exists()


def test_a_cancelled_event_deleted_at_once_still_tells_its_registrants(admin_client, event):
    """Review: its registrants' "cancelled" emails are written as data and rendered from the
    registrations when they go; deleted at once, the event took them along unsent. They are
    written out before it goes."""
    member = UserFactory()
    services.event_register(event=event, user=member)
    services.event_register(event=event, name="Gus Guest", email="gus@example.test")
    services.event_cancel(event=event)

    response = _delete_events(admin_client, [event], post="yes")

    assert "Successfully deleted 1 event." in " ".join(_messages(response))
    outbox_send_due()
    sent = Outbox.objects.filter(kind="events.event_cancelled", status=Outbox.Status.SENT)
    assert set(sent.values_list("to_email", flat=True)) == {member.email, "gus@example.test"}
    assert all("has been cancelled" in row.body_text for row in sent)


def test_a_cancelled_seat_deleted_at_once_still_gets_its_email(admin_client, event):
    member = UserFactory()
    seat = services.event_register(event=event, user=member)
    services.event_cancel(event=event)
    url = reverse("admin:events_registration_delete", args=[seat.pk])

    assert admin_client.post(url, {"post": "yes"}).status_code == 302

    assert not Registration.objects.filter(pk=seat.pk).exists()
    outbox_send_due()
    [sent] = Outbox.objects.filter(kind="events.event_cancelled")
    assert (sent.status, sent.to_email) == (Outbox.Status.SENT, member.email)


def test_an_event_deleted_at_once_announces_nothing(admin_client, event):
    """A chapter's announcement of an event staff delete (a duplicate published by mistake)
    is not sent: deleting is not held up for it."""
    from events.services.announcements import chapter_announcement_write
    from tests.factories import ChapterFactory

    event.chapter = ChapterFactory()
    event.save()
    event.chapter.followers.add(*(UserFactory() for _ in range(3)))
    chapter_announcement_write(event=event)

    response = _delete_events(admin_client, [event], post="yes")

    assert "Successfully deleted 1 event." in " ".join(_messages(response))
    outbox_send_due()
    rows = Outbox.objects.filter(kind="events.chapter_announcement")
    assert rows.count() == 3
    assert not rows.filter(status=Outbox.Status.SENT).exists()


# 6. The CSV export ------------------------------------------------------------------------


def test_the_attendees_csv_starts_with_one_byte_order_mark(admin_client, event):
    services.event_register(event=event, user=UserFactory(name="Ann Member"))
    content = _action(admin_client, "action_export_csv", [event]).content
    bom = "\ufeff".encode()
    assert content.startswith(bom + b"event,start,name")


# 7. Labels --------------------------------------------------------------------------------


def _label(html: str, field: str) -> str:
    row = re.search(rf'class="form-row field-{field}".*?<label>(.*?)</label>', html, re.S)
    return row.group(1).strip()


def test_history_and_delivery_log_have_their_own_labels(admin_client, event):
    html = admin_client.get(reverse("admin:events_event_change", args=[event.pk])).content
    html = html.decode()
    assert _label(html, "history") == "What happened, by whom:"
    assert _label(html, "delivery_log_link") == "Delivery log:"


# 8. Capacity bounds shared with the console -----------------------------------------------


@pytest.mark.parametrize(
    ("capacity", "error"),
    [
        ("0", "An event needs at least one seat."),
        ("5001", "At most 5000 seats."),
        ("2147483647", "At most 5000 seats."),
    ],
)
def test_the_admin_refuses_the_capacities_the_console_refuses(admin_client, event, capacity, error):
    url = reverse("admin:events_event_change", args=[event.pk])
    response = admin_client.post(url, _change_data(event, capacity=capacity))
    assert response.status_code == 200
    assert error in response.content.decode()
    event.refresh_from_db()
    assert event.capacity == 10


def test_the_admin_accepts_the_console_maximum_and_checks_series_too(admin_client, event):
    url = reverse("admin:events_event_change", args=[event.pk])
    assert admin_client.post(url, _change_data(event, capacity="5000")).status_code == 302
    event.refresh_from_db()
    assert event.capacity == 5000
    series = EventSeriesFactory()
    response = admin_client.get(reverse("admin:events_eventseries_change", args=[series.pk]))
    form = response.context["adminform"].form
    with pytest.raises(ValidationError, match="at least one seat"):
        form.fields["capacity"].clean(0)


def test_a_new_event_cancelled_in_the_past_is_refused_by_its_title(admin_client):
    from .factories import kind

    response = admin_client.post(
        reverse("admin:events_event_add"),
        _add_data(kind("betacooks"), status="cancelled", start_0="2020-03-05"),
    )
    assert response.status_code == 200
    assert "“Extra lunch” has already started" in response.content.decode()
    assert not Event.objects.filter(slug="extra-lunch").exists()


@pytest.mark.parametrize(("default", "ok"), [("0", False), ("5001", False), ("5000", True)])
def test_a_kinds_default_capacity_keeps_the_events_bounds(admin_client, default, ok):
    """An event left without a capacity takes its kind's: a default of 0 would have put
    every registrant on the waitlist."""
    from .factories import kind

    betacooks = kind("betacooks")
    url = reverse("admin:events_eventkind_change", args=[betacooks.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["default_capacity"] = default
    response = admin_client.post(url, data)
    betacooks.refresh_from_db()
    assert (response.status_code == 302) is ok, response.content.decode()[:2000]
    assert (betacooks.default_capacity == int(default)) is ok


@pytest.mark.parametrize(
    ("title", "says"),
    [
        ("\u200b\u200b", "This field is required."),
        ("\u202eevil", "without line breaks, control characters or text-direction overrides"),
    ],
)
def test_the_admin_refuses_a_title_that_shows_blank_or_reversed(admin_client, title, says):
    from .factories import kind

    response = admin_client.post(reverse("admin:events_event_add"), _add_data(kind(), title=title))
    assert response.status_code == 200
    assert says in response.content.decode()
    assert not Event.objects.filter(slug="extra-lunch").exists()
