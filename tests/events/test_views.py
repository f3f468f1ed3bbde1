"""Event pages: list, month, detail, register/cancel, guest cancel, my events, check-in."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import CalendarToken, Event, Registration
from members.models import Chapter, Visibility
from tests.factories import ChapterFactory, UserFactory

from .factories import EventFactory, RegistrationFactory, kind
from .guest_flow import guest_register

pytestmark = pytest.mark.django_db


def test_list_shows_upcoming_visible_events_only(client, event):
    EventFactory(title="Secret draft", status=Event.Status.DRAFT)
    EventFactory(title="Members lunch", visibility=Event.Visibility.MEMBERS)
    EventFactory(
        title="Old lunch",
        start=timezone.now() - timedelta(days=3),
        end=timezone.now() - timedelta(days=3, hours=-1),
    )
    response = client.get(reverse("events:list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Betacooks lunch" in body
    assert "Secret draft" not in body
    assert "Members lunch" not in body
    assert "Old lunch" not in body


def test_members_see_members_only_events(member_client):
    EventFactory(title="Members lunch", visibility=Event.Visibility.MEMBERS)
    assert "Members lunch" in member_client.get(reverse("events:list")).content.decode()


def test_list_filters_by_kind_chapter_and_space(client, event):
    chapter = ChapterFactory(slug="betagroup-charleroi")
    EventFactory(title="IT Day", kind=kind("it-day"), chapter=chapter)
    body = client.get(reverse("events:list"), {"kind": "it-day"}).content.decode()
    assert "IT Day" in body
    assert "Betacooks lunch" not in body
    body = client.get(reverse("events:list"), {"chapter": "betagroup-charleroi"}).content.decode()
    assert "IT Day" in body
    assert "Betacooks lunch" not in body
    body = client.get(reverse("events:list"), {"space": event.space.slug}).content.decode()
    assert "Betacooks lunch" in body


def test_bad_filter_value_is_a_400_with_a_message_not_a_500(client, event):
    response = client.get(reverse("events:list"), {"kind": "nope"})
    assert response.status_code == 400
    assert "Unknown value in the filter" in response.content.decode()


def test_month_view_places_events_on_their_day(client, event):
    local = timezone.localtime(event.start)
    url = reverse("events:month", kwargs={"year": local.year, "month": local.month})
    response = client.get(url)
    assert response.status_code == 200
    assert "Betacooks lunch" in response.content.decode()
    assert (
        client.get(reverse("events:month", kwargs={"year": 2026, "month": 13})).status_code == 404
    )


def test_detail_shows_seats_speakers_and_only_visible_attendees(client, event):
    from .factories import SpeakerFactory

    SpeakerFactory(event=event, name="Adrien Ramy")
    public = UserFactory(name="Public Person")
    public.profile.visibility = Visibility.PUBLIC
    public.profile.save()
    hidden = UserFactory(name="Hidden Person")
    hidden.profile.visibility = Visibility.HIDDEN
    hidden.profile.save()
    members_only = UserFactory(name="Members Person")
    for user in (public, hidden, members_only):
        services.event_register(event=event, user=user)
    body = client.get(event.get_absolute_url()).content.decode()
    assert "7 seats left" in body
    assert "Adrien Ramy" in body
    assert "Public Person" in body
    assert "Hidden Person" not in body
    assert "Members Person" not in body  # anonymous viewers only see public profiles
    assert "and 2 more people" in body


def test_member_sees_members_profiles_but_never_hidden_ones(member_client, event):
    hidden = UserFactory(name="Hidden Person")
    hidden.profile.visibility = Visibility.HIDDEN
    hidden.profile.save()
    other = UserFactory(name="Members Person")
    services.event_register(event=event, user=hidden)
    services.event_register(event=event, user=other)
    body = member_client.get(event.get_absolute_url()).content.decode()
    assert "Members Person" in body
    assert "Hidden Person" not in body


def test_draft_event_is_404_for_the_public(client):
    draft = EventFactory(status=Event.Status.DRAFT)
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_member_registers_with_a_note_and_double_click_is_harmless(member_client, member, event):
    url = reverse("events:register", kwargs={"slug": event.slug})
    first = member_client.post(url, {"note": "vegetarian"})
    second = member_client.post(url, {"note": "vegetarian"})
    assert first.status_code == 302
    assert second.status_code == 302
    assert event.registrations.filter(user=member).count() == 1
    assert event.registrations.get().note == "vegetarian"
    page = member_client.get(event.get_absolute_url()).content.decode()
    assert "You&#x27;re registered." in page or "You're registered." in page


def test_register_get_leads_to_the_event_page_and_registers_nobody(member_client, event):
    url = reverse("events:register", kwargs={"slug": event.slug})
    response = member_client.get(url)
    assert (response.status_code, response["Location"]) == (302, event.get_absolute_url())
    assert not event.registrations.exists()


def test_register_for_cancelled_event_is_a_400_with_the_reason(member_client, event):
    services.event_cancel(event=event, actor=None)
    url = reverse("events:register", kwargs={"slug": event.slug})
    response = member_client.post(url, {})
    assert response.status_code == 400
    assert "This event has been cancelled." in response.content.decode()
    assert not event.registrations.exists()


def test_register_for_past_event_is_refused(member_client):
    past = EventFactory(
        start=timezone.now() - timedelta(days=1), end=timezone.now() - timedelta(hours=22)
    )
    response = member_client.post(reverse("events:register", kwargs={"slug": past.slug}), {})
    assert response.status_code == 400
    assert "This event is over: registration is closed." in response.content.decode()


def test_guest_registers_with_name_and_email_in_the_request_language(client, event):
    response = guest_register(
        client, event, name="Ann Guest", email="ann@example.test", HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert response.status_code == 302
    reg = event.registrations.get()
    assert reg.user is None
    assert reg.language == "fr"


def test_the_guest_form_says_its_fields_ask_for_the_persons_name_and_email(client, event):
    """WCAG 1.3.5: browsers and assistive tools fill in the person's own name and address."""
    page = client.get(event.get_absolute_url()).content.decode()
    name = re.search(r'<input[^>]*name="name"[^>]*>', page).group()
    email = re.search(r'<input[^>]*name="email"[^>]*>', page).group()
    assert 'autocomplete="name"' in name
    assert 'type="email"' in email
    assert 'autocomplete="email"' in email


def test_a_guest_giving_a_members_address_books_for_that_member_who_can_cancel(client, event):
    """Else the member was "already registered" and could neither see nor cancel it."""
    member = UserFactory(email="katia@betacowork.test", name="Katia Xenophontos")
    unverified = UserFactory(email="bo@example.test", verified=False)
    guest_register(client, event, name="Someone", email="Katia@Betacowork.test")
    guest_register(client, event, name="Bo", email="bo@example.test")
    seat = event.registrations.get(email__iexact="katia@betacowork.test")
    assert (seat.user, seat.name) == (member, "Katia Xenophontos")
    assert event.registrations.get(email="bo@example.test").user is None  # not verified
    assert unverified.event_registrations.count() == 0

    client.force_login(member)
    page = client.get(event.get_absolute_url()).content.decode()
    assert reverse("events:cancel", kwargs={"slug": event.slug}) in page
    response = client.post(reverse("events:cancel", kwargs={"slug": event.slug}), follow=True)
    assert "Your registration is cancelled" in response.content.decode()
    seat.refresh_from_db()
    assert seat.status == Registration.Status.CANCELLED


def test_guest_with_bad_email_gets_a_form_error(client, event):
    url = reverse("events:register", kwargs={"slug": event.slug})
    response = client.post(url, {"name": "Ann", "email": "nope"})
    assert response.status_code == 400
    assert "valid email" in response.content.decode()


def test_guest_cannot_register_for_members_only(client):
    event = EventFactory(visibility=Event.Visibility.MEMBERS)
    response = client.post(
        reverse("events:register", kwargs={"slug": event.slug}),
        {"name": "Ann", "email": "ann@example.test"},
    )
    assert response.status_code == 404  # members-only events do not exist for guests


def test_member_cancels_and_the_waitlist_moves_up(member_client, member, event):
    event.capacity = 1
    event.save()
    services.event_register(event=event, user=member)
    waiting = services.event_register(event=event, user=UserFactory())
    response = member_client.post(reverse("events:cancel", kwargs={"slug": event.slug}))
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED


def test_cancel_requires_login(client, event):
    response = client.post(reverse("events:cancel", kwargs={"slug": event.slug}))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_guest_cancel_link_get_asks_post_cancels(client, event):
    reg = services.event_register(event=event, name="Ann", email="ann@example.test")
    url = reverse("events:guest_cancel", kwargs={"token": services.guest_cancel_token(reg)})
    response = client.get(url)
    assert response.status_code == 200
    assert "Cancel your registration?" in response.content.decode()
    reg.refresh_from_db()
    assert reg.status == Registration.Status.CONFIRMED
    response = client.post(url)
    assert response.status_code == 200
    reg.refresh_from_db()
    assert reg.status == Registration.Status.CANCELLED
    assert client.post(url).status_code == 200  # twice: harmless


def test_tampered_guest_cancel_link_is_a_clear_400(client, event):
    reg = services.event_register(event=event, name="Ann", email="ann@example.test")
    token = services.guest_cancel_token(reg)
    url = reverse("events:guest_cancel", kwargs={"token": token[:-3] + "abc"})
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 400
        assert "This link does not work" in response.content.decode()
    reg.refresh_from_db()
    assert reg.status == Registration.Status.CONFIRMED


def test_my_events_lists_upcoming_and_past_with_attendance(member_client, member, event):
    services.event_register(event=event, user=member)
    past = EventFactory(
        title="Last week's lunch",
        start=timezone.now() - timedelta(days=7),
        end=timezone.now() - timedelta(days=7, hours=-2),
    )
    RegistrationFactory(event=past, user=member, checked_in_at=past.start)
    body = member_client.get(reverse("events:mine")).content.decode()
    assert "Betacooks lunch" in body
    assert "Last week&#x27;s lunch" in body or "Last week's lunch" in body
    assert "Attended" in body


def test_my_events_requires_login(client):
    response = client.get(reverse("events:mine"))
    assert response.status_code == 302


def test_personal_feed_and_regeneration(member_client, member, event):
    services.event_register(event=event, user=member)
    token = services.calendar_token_create(user=member).token
    url = reverse("events:personal_feed", kwargs={"token": token})
    response = member_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert b"Betacooks lunch" in response.content
    member_client.post(reverse("events:calendar_regenerate"))
    assert member_client.get(url).status_code == 404
    new = CalendarToken.objects.get(user=member).token
    assert new != token
    assert (
        member_client.get(reverse("events:personal_feed", kwargs={"token": new})).status_code == 200
    )


def test_public_feed_filters_and_rejects_unknown_values(client, event):
    chapter = ChapterFactory(slug="betagroup-charleroi")
    EventFactory(title="IT Day", kind=kind("it-day"), chapter=chapter)
    EventFactory(title="Members only", visibility=Event.Visibility.MEMBERS)
    body = client.get(reverse("events:feed")).content.decode()
    assert "Betacooks lunch" in body
    assert "IT Day" in body
    assert "Members only" not in body
    body = client.get(reverse("events:feed"), {"chapter": "betagroup-charleroi"}).content.decode()
    assert "IT Day" in body
    assert "Betacooks lunch" not in body
    body = client.get(reverse("events:feed"), {"kind": "betacooks"}).content.decode()
    assert "IT Day" not in body
    assert "Betacooks lunch" in body
    assert client.get(reverse("events:feed"), {"chapter": "nowhere"}).status_code == 400


def test_event_ics_download(client, event):
    response = client.get(reverse("events:ics", kwargs={"slug": event.slug}))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.ics"')
    assert b"BEGIN:VCALENDAR" in response.content


# Check-in -------------------------------------------------------------------------------


def test_check_in_page_for_staff(client, staff, event):
    reg = services.event_register(event=event, name="Zoë Guest", email="zoe@example.test")
    # The day has come (check-in opens on the event's day): it starts now.
    Event.objects.filter(pk=event.pk).update(
        start=timezone.now(), end=timezone.now() + timedelta(hours=2)
    )
    client.force_login(staff)
    url = reverse("events:check_in", kwargs={"slug": event.slug})
    body = client.get(url, {"q": "zoë"}).content.decode()
    assert "Zoë Guest" in body
    toggle = reverse("events:check_in_toggle", kwargs={"slug": event.slug, "pk": reg.pk})
    response = client.post(toggle, {"action": "in"}, HTTP_ACCEPT="application/json")
    assert response.json()["checked_in"] is True
    assert response.json()["checked_in_count"] == 1
    response = client.post(toggle, {"action": "undo"})  # the no-JS fallback: a redirect
    assert response.status_code == 302
    reg.refresh_from_db()
    assert reg.checked_in_at is None


def test_chapter_organiser_may_check_in_their_chapter_only(client, organiser):
    chapter: Chapter = ChapterFactory()
    chapter.organisers.add(organiser)
    theirs = EventFactory(chapter=chapter)
    other = EventFactory()
    client.force_login(organiser)
    assert client.get(reverse("events:check_in", kwargs={"slug": theirs.slug})).status_code == 200
    assert client.get(reverse("events:check_in", kwargs={"slug": other.slug})).status_code == 403


def test_check_in_refused_to_members_and_anonymous(client, member, event):
    url = reverse("events:check_in", kwargs={"slug": event.slug})
    assert client.get(url).status_code == 302
    reg = services.event_register(event=event, user=member)
    client.force_login(member)
    assert client.get(url).status_code == 403
    toggle = reverse("events:check_in_toggle", kwargs={"slug": event.slug, "pk": reg.pk})
    assert client.post(toggle, {"action": "in"}).status_code == 403
    reg.refresh_from_db()
    assert reg.checked_in_at is None


def test_check_in_of_a_registration_of_another_event_is_404(client, staff, event):
    other = RegistrationFactory()
    client.force_login(staff)
    toggle = reverse("events:check_in_toggle", kwargs={"slug": event.slug, "pk": other.pk})
    assert client.post(toggle, {"action": "in"}).status_code == 404


# Panels ---------------------------------------------------------------------------------


def test_home_shows_coming_up(client, event):
    body = client.get(reverse("home")).content.decode()
    assert "Coming up" in body
    assert "Betacooks lunch" in body


def test_profile_panel_shows_attendance_by_kind(client, member):
    member.profile.visibility = Visibility.PUBLIC
    member.profile.save()
    for days in (7, 14, 21):
        past = EventFactory(
            start=timezone.now() - timedelta(days=days),
            end=timezone.now() - timedelta(days=days, hours=-1),
        )
        RegistrationFactory(event=past, user=member, checked_in_at=past.start)
    body = client.get(member.profile.get_absolute_url()).content.decode()
    assert "<strong>3</strong>Betacooks attended" in body


def test_export_section_lists_my_registrations(member, event):
    from members.panels import export_sections

    services.event_register(event=event, user=member, note="no nuts")
    data = export_sections()["event_registrations"](member)
    assert data[0]["event"] == "Betacooks lunch"
    assert data[0]["note"] == "no nuts"


def test_staff_preview_drafts_but_members_do_not(client, staff, member):
    draft = EventFactory(title="Draft lunch", status=Event.Status.DRAFT)
    client.force_login(member)
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(staff)
    body = client.get(draft.get_absolute_url()).content.decode()
    assert "Draft: only staff and the chapter\u2019s organisers can see this event." in body


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/events/?page=abc", {}),
        ("get", "/events/?page=99999", {}),
        ("get", "/events/?kind=%00&chapter=x&space=y", {}),
        ("get", "/events/month/1999/1/", {}),
        ("get", "/events/month/2026/0/", {}),
        ("get", "/events/month/99999999999999999999/1/", {}),
        ("get", "/events/feed.ics?kind=nope", {}),
        ("get", "/events/calendar/not-a-token.ics", {}),
        ("get", "/events/guest-cancel/%20/", {}),
        ("post", "/events/guest-cancel/abc:def:ghi/", {}),
        ("get", "/events/no-such-event/", {}),
        ("post", "/events/no-such-event/register/", {}),
        ("post", "/events/betacooks-lunch/register/", {"note": "x" * 5000}),
        ("post", "/events/betacooks-lunch/register/", {"name": "a" * 1000, "email": "a@b.c"}),
    ],
)
def test_bad_input_never_500s(client, event, method, path, data):
    response = getattr(client, method)(path, data)
    assert response.status_code < 500
    assert response.status_code in (200, 302, 400, 404, 405)
