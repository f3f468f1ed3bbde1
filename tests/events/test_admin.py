"""The events admin: counts, actions, refused edits, delivery log with resend."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from betacowork.messaging.models import Outbox
from events import services
from events.models import Event, Registration
from tests.factories import UserFactory

from .factories import EventFactory, SpeakerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


def _action(admin_client, action, events, **extra):
    return admin_client.post(
        reverse("admin:events_event_changelist"),
        {"action": action, "_selected_action": [e.pk for e in events], **extra},
        follow=not action.endswith("csv"),
    )


def _add_data(kind, **overrides):
    """The admin's add form for a new "Extra lunch" of `kind`, capacity and end left empty."""
    data = {
        "title": "Extra lunch",
        "slug": "extra-lunch",
        "kind": kind.pk,
        "status": "published",
        "visibility": "public",
        "start_0": "2030-03-05",
        "start_1": "12:30:00",
        "end_0": "",
        "end_1": "",
        "capacity": "",
        "reminder_offsets_minutes": "null",
        "speakers-TOTAL_FORMS": "0",
        "speakers-INITIAL_FORMS": "0",
        "costs-TOTAL_FORMS": "0",
        "costs-INITIAL_FORMS": "0",
        "registrations-TOTAL_FORMS": "0",
        "registrations-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def _change_data(event, **overrides):
    local_start = timezone.localtime(event.start)
    local_end = timezone.localtime(event.end)
    data = {
        "title": event.title,
        "slug": event.slug,
        "kind": event.kind_id,
        "status": event.status,
        "visibility": event.visibility,
        "description": event.description,
        "start_0": local_start.strftime("%Y-%m-%d"),
        "start_1": local_start.strftime("%H:%M:%S"),
        "end_0": local_end.strftime("%Y-%m-%d"),
        "end_1": local_end.strftime("%H:%M:%S"),
        "space": event.space_id or "",
        "room": event.room,
        "chapter": "",
        "capacity": event.capacity if event.capacity is not None else "",
        "reminder_offsets_minutes": "null",
        "created_by": "",
        "speakers-TOTAL_FORMS": "0",
        "speakers-INITIAL_FORMS": "0",
        "costs-TOTAL_FORMS": "0",
        "costs-INITIAL_FORMS": "0",
        "registrations-TOTAL_FORMS": str(event.registrations.count()),
        "registrations-INITIAL_FORMS": str(event.registrations.count()),
    }
    for i, reg in enumerate(event.registrations.order_by("status", "waitlisted_at", "created_at")):
        data[f"registrations-{i}-id"] = reg.pk
        data[f"registrations-{i}-event"] = event.pk
    data.update(overrides)
    return data


def test_changelist_counts_without_n_plus_one(admin_client, event):
    for _ in range(3):
        services.event_register(event=event, user=UserFactory())
    url = reverse("admin:events_event_changelist")
    admin_client.get(url)
    with CaptureQueriesContext(connection) as one:
        response = admin_client.get(url)
    body = response.content.decode()
    assert '<td class="field-confirmed">3</td>' in body
    for _ in range(4):
        other = EventFactory()
        services.event_register(event=other, user=UserFactory())
    with CaptureQueriesContext(connection) as many:
        admin_client.get(url)
    assert len(many.captured_queries) == len(one.captured_queries)


def test_changelist_filters_and_search(admin_client, event):
    EventFactory(
        title="Old one",
        start=timezone.now() - timedelta(days=9),
        end=timezone.now() - timedelta(days=9, hours=-1),
    )
    url = reverse("admin:events_event_changelist")
    for query in (
        {"when": "upcoming"},
        {"status__exact": "published"},
        {"q": "Betacooks"},
        {"kind__id__exact": event.kind_id},
        {"space__id__exact": event.space_id},
    ):
        response = admin_client.get(url, query)
        assert response.status_code == 200
        assert "Betacooks lunch" in response.content.decode()
    assert "Betacooks lunch" not in admin_client.get(url, {"when": "past"}).content.decode()


def test_publish_and_cancel_actions(admin_client):
    draft = EventFactory(status=Event.Status.DRAFT)
    _action(admin_client, "action_publish", [draft])
    draft.refresh_from_db()
    assert draft.status == Event.Status.PUBLISHED
    reg = services.event_register(event=draft, user=UserFactory())
    # Cancelling asks first (how many people will be told); confirming cancels.
    confirm = _action(admin_client, "action_cancel", [draft])
    assert "1 person will be emailed" in confirm.content.decode()
    draft.refresh_from_db()
    assert draft.status != Event.Status.CANCELLED
    response = _action(admin_client, "action_cancel", [draft], post="yes")
    assert "1 event cancelled. 1 registrant will be told by email." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Event.Status.CANCELLED
    assert Outbox.objects.filter(dedup_key=f"event-cancelled:{draft.pk}:{reg.pk}").exists()


def test_duplicate_action(admin_client, event):
    SpeakerFactory(event=event)
    _action(admin_client, "action_duplicate", [event])
    copy = Event.objects.exclude(pk=event.pk).get()
    assert copy.status == Event.Status.DRAFT
    assert copy.speakers.count() == 1


def test_export_attendees_csv_neutralises_formulas(admin_client, event):
    services.event_register(event=event, name="=HYPERLINK(1)", email="evil@example.test")
    services.event_register(event=event, user=UserFactory(name="Ann Member"), note="vegan")
    response = _action(admin_client, "action_export_csv", [event])
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert "Ann Member" in text
    assert "vegan" in text
    assert "'=HYPERLINK(1)" in text


def test_mark_attended_action(admin_client, event):
    regs = [services.event_register(event=event, user=UserFactory()) for _ in range(2)]
    now = timezone.now()  # under way: people can have attended it
    Event.objects.filter(pk=event.pk).update(start=now - timedelta(hours=1), end=now)
    _action(admin_client, "action_mark_attended", [event])
    assert all(Registration.objects.get(pk=r.pk).checked_in_at for r in regs)


def test_lowering_capacity_below_confirmed_is_refused(admin_client, event):
    for _ in range(3):
        services.event_register(event=event, user=UserFactory())
    url = reverse("admin:events_event_change", args=[event.pk])
    response = admin_client.post(url, _change_data(event, capacity="2"))
    assert response.status_code == 200
    assert "3 people are already confirmed" in response.content.decode()
    event.refresh_from_db()
    assert event.capacity == 10


def test_end_before_start_is_refused(admin_client, event):
    url = reverse("admin:events_event_change", args=[event.pk])
    data = _change_data(event)
    data["end_0"] = (timezone.localtime(event.start) - timedelta(days=1)).strftime("%Y-%m-%d")
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "An event must end after it starts." in response.content.decode()


def test_a_date_out_of_range_is_a_form_error_and_no_copy_is_made_past_it(admin_client, event):
    url = reverse("admin:events_event_change", args=[event.pk])
    data = _change_data(event)
    data["start_0"], data["end_0"] = "9999-12-31", "9999-12-31"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "An event can be dated at most 10 years ahead." in response.content.decode()

    last_day = timezone.now() + timedelta(days=3660)  # set before the bound existed
    Event.objects.filter(pk=event.pk).update(start=last_day, end=last_day + timedelta(hours=2))
    response = _action(admin_client, "action_duplicate", [event])
    assert response.status_code == 200
    assert "at most 10 years ahead" in response.content.decode()  # a warning, not a 500
    assert Event.objects.count() == 1


def test_moving_the_event_in_the_admin_bumps_version_and_notifies(admin_client, event):
    reg = services.event_register(event=event, user=UserFactory())
    url = reverse("admin:events_event_change", args=[event.pk])
    response = admin_client.post(url, _change_data(event, room="Garden"))
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.version == 2
    assert event.room == "Garden"
    assert Outbox.objects.filter(dedup_key=f"event-changed:{event.pk}:v2:{reg.pk}").exists()


def test_delivery_log_lists_the_event_messages_and_resends(admin_client, event):
    reg = services.event_register(event=event, user=UserFactory())
    row = Outbox.objects.get(dedup_key=f"registration-confirmed:{reg.pk}")
    Outbox.objects.filter(pk=row.pk).update(status=Outbox.Status.FAILED, last_error="550 no")
    Outbox.objects.create(
        dedup_key="other",
        kind="x",
        topic="event:999999",
        to_email="x@example.test",
        language="en",
        subject="Not this event",
        body_text="-",
    )
    url = reverse("admin:events_event_delivery", args=[event.pk])
    body = admin_client.get(url).content.decode()
    assert "registered: Betacooks lunch" in body
    assert "550 no" in body
    assert "Not this event" not in body
    response = admin_client.post(url, {"ids": [row.pk]})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == Outbox.Status.PENDING


def test_delivery_log_is_staff_only(client, member, event):
    url = reverse("admin:events_event_delivery", args=[event.pk])
    client.force_login(member)
    response = client.get(url)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_series_generate_admin_action(admin_client):
    from .factories import EventSeriesFactory

    series = EventSeriesFactory()
    response = admin_client.post(
        reverse("admin:events_eventseries_changelist"),
        {"action": "action_generate", "_selected_action": [series.pk]},
        follow=True,
    )
    assert "occurrences created" in response.content.decode()
    assert Event.objects.filter(series=series).count() >= 7


def test_adding_an_event_uses_the_kind_defaults(admin_client):
    from .factories import kind

    betacooks = kind("betacooks")
    betacooks.default_capacity, betacooks.default_duration_minutes = 50, 90
    betacooks.save()
    data = _add_data(betacooks)
    response = admin_client.post(reverse("admin:events_event_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    event = Event.objects.get(slug="extra-lunch")
    assert event.capacity == 50
    assert event.end - event.start == timedelta(minutes=90)
    assert timezone.localtime(event.end).strftime("%H:%M") == "14:00"


def test_registration_closing_before_opening_is_refused(admin_client, event):
    url = reverse("admin:events_event_change", args=[event.pk])
    data = _change_data(
        event,
        registration_opens_at_0="2030-01-02",
        registration_opens_at_1="10:00:00",
        registration_closes_at_0="2030-01-01",
        registration_closes_at_1="10:00:00",
    )
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Registration must close after it opens." in response.content.decode()


def test_adding_a_published_event_goes_through_the_services(admin_client, staff):
    """Created as the console creates (a draft with a unique slug, its author), then published:
    the chapter's followers are announced once, and the inline speaker is kept."""
    from tests.factories import ChapterFactory

    from .factories import kind

    chapter = ChapterFactory()
    follower = UserFactory()
    chapter.followers.add(follower)
    data = {
        "title": "Regional talk",
        "slug": "regional-talk",
        "kind": kind("talk").pk,
        "status": "published",
        "visibility": "public",
        "start_0": "2030-04-02",
        "start_1": "18:00:00",
        "end_0": "2030-04-02",
        "end_1": "20:00:00",
        "chapter": chapter.pk,
        "capacity": "40",
        "reminder_offsets_minutes": "null",
        "speakers-TOTAL_FORMS": "1",
        "speakers-INITIAL_FORMS": "0",
        "speakers-0-name": "Adrien Ramy",
        "speakers-0-order": "0",
        "costs-TOTAL_FORMS": "0",
        "costs-INITIAL_FORMS": "0",
        "registrations-TOTAL_FORMS": "0",
        "registrations-INITIAL_FORMS": "0",
    }
    response = admin_client.post(reverse("admin:events_event_add"), data)
    assert response.status_code == 302, (
        response.context["adminform"].form.errors,
        [f.formset.errors for f in response.context["inline_admin_formsets"]],
    )
    event = Event.objects.get(slug="regional-talk")
    assert event.status == Event.Status.PUBLISHED
    assert event.created_by == staff
    assert [s.name for s in event.speakers.all()] == ["Adrien Ramy"]
    announced = Outbox.objects.filter(to_email=follower.email)
    assert announced.count() == 1


def test_cancelling_registrations_in_the_admin_counts_them_in_words(admin_client, event):
    one = services.event_register(event=event, user=UserFactory())
    two = services.event_register(event=event, user=UserFactory())
    url = reverse("admin:events_registration_changelist")
    response = admin_client.post(
        url, {"action": "action_cancel", "_selected_action": [one.pk, two.pk]}, follow=True
    )
    assert "2 registrations cancelled." in response.content.decode()
    three = services.event_register(event=event, user=UserFactory())
    response = admin_client.post(
        url, {"action": "action_cancel", "_selected_action": [one.pk, three.pk]}, follow=True
    )
    assert "1 registration cancelled." in response.content.decode()  # one was already


def _change_page(admin_client, event):
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(reverse("admin:events_event_change", args=[event.pk]))
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_an_event_of_hundreds_opens_in_the_admin_with_its_first_rows_and_a_link_to_all(
    admin_client,
):
    """QA: the change form listed every registration, one query each (402 registrations:
    411 queries, 1.5 s)."""
    from events.admin.event import RegistrationInline

    small = EventFactory(capacity=None)
    big = EventFactory(capacity=None)
    for i in range(3):
        Registration.objects.create(event=small, name=f"S{i}", email=f"s{i}@example.test")
    for i in range(RegistrationInline.SHOWN + 10):
        Registration.objects.create(event=big, name=f"Big {i:03}", email=f"b{i}@example.test")

    _, small_queries = _change_page(admin_client, small)
    page, big_queries = _change_page(admin_client, big)

    assert big_queries <= small_queries + 1  # the count that says the list is cut
    assert page.count('<td class="field-email">') == RegistrationInline.SHOWN
    assert "60 confirmed, 0 on the waitlist" in page
    assert "(the first 50 are listed below)" in page
    link = f"/admin/events/registration/?event__id__exact={big.pk}"
    assert link in page
    everyone = admin_client.get(link).content.decode()
    assert "Big 059" in everyone
    assert "60 registrations" in everyone or "60 results" in everyone
    # A small event lists them all, without the note.
    small_page, _ = _change_page(admin_client, small)
    assert "are listed below" not in small_page
    assert small_page.count('<td class="field-email">') == 3
