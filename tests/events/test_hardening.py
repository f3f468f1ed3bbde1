"""Adversarial review of the event pages: bad input never 500s, and no page names a person
with a hidden profile (or shows someone's email) to anyone but staff."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import Event
from members.models import Visibility
from tests.factories import ChapterFactory, UserFactory

from .factories import EventFactory, SpeakerFactory

pytestmark = pytest.mark.django_db


def _person(name: str, visibility: str = Visibility.MEMBERS, email: str | None = None):
    user = UserFactory(name=name, **({"email": email} if email else {}))
    user.profile.visibility = visibility
    user.profile.save()
    return user


def _starts_now(event) -> None:
    """The event's day has come: it starts now (once people registered)."""
    now = timezone.now()
    Event.objects.filter(pk=event.pk).update(start=now, end=now + timedelta(hours=2))


@pytest.fixture
def chapter_event(organiser):
    chapter = ChapterFactory()
    chapter.organisers.add(organiser)
    return EventFactory(title="Charleroi IT Day", chapter=chapter, capacity=20)


# Bad input ------------------------------------------------------------------------------


def test_personal_feed_with_a_nul_or_huge_token_is_a_4xx(client):
    # Postgres refuses NUL in a string literal: this was a 500 there. A NUL anywhere is now
    # refused up front (betacowork.middleware); a well-formed unknown token is a 404.
    for token in ("%00", "abc%00def"):
        assert client.get(f"/events/calendar/{token}.ics").status_code == 400, token
    assert client.get(f"/events/calendar/{'x' * 10_000}.ics").status_code == 404


def test_check_in_search_with_a_nul_is_not_a_500(client, staff, event):
    services.event_register(event=event, name="Zoë Guest", email="zoe@example.test")
    client.force_login(staff)
    url = reverse("events:check_in", kwargs={"slug": event.slug})
    assert client.get(url, {"q": "zo\x00ë"}).status_code == 400
    response = client.get(url, {"q": "zoë"})
    assert response.status_code == 200
    assert "Zoë Guest" in response.content.decode()


def test_check_in_page_of_a_draft_is_404_not_403_for_a_plain_member(client, member):
    draft = EventFactory(status=Event.Status.DRAFT)
    client.force_login(member)
    # A 403 would confirm that an unpublished event with this address exists.
    assert client.get(reverse("events:check_in", kwargs={"slug": draft.slug})).status_code == 404
    assert client.get(reverse("events:check_in", kwargs={"slug": "no-such"})).status_code == 404


# Privacy: check-in ----------------------------------------------------------------------


def test_organiser_check_in_list_never_names_hidden_profiles_nor_shows_emails(
    client, organiser, chapter_event
):
    hidden = _person("Hidden Hannah", Visibility.HIDDEN, email="hannah@example.test")
    shown = _person("Shown Sam", email="sam.private@example.test")
    services.event_register(event=chapter_event, user=hidden)
    services.event_register(event=chapter_event, user=shown)
    services.event_register(event=chapter_event, name="Gina Guest", email="gina@example.test")
    client.force_login(organiser)
    url = reverse("events:check_in", kwargs={"slug": chapter_event.slug})
    body = client.get(url).content.decode()
    assert "Shown Sam" in body
    assert "Gina Guest" in body
    assert "Hidden Hannah" not in body
    assert "sam.private@example.test" not in body  # organisers search by name, not by email
    assert "1 person with a private profile" in body
    # Searching cannot reveal them either, not by name and not by email.
    for q in ("Hannah", "hannah@example.test", "hannah"):
        assert "Hidden Hannah" not in client.get(url, {"q": q}).content.decode()
    # Partial email search does not work for organisers (no probing addresses letter by letter)
    assert "Shown Sam" not in client.get(url, {"q": "sam.priv"}).content.decode()


def test_staff_check_in_list_shows_everyone_and_searches_emails(client, staff, chapter_event):
    hidden = _person("Hidden Hannah", Visibility.HIDDEN, email="hannah@example.test")
    services.event_register(event=chapter_event, user=hidden)
    client.force_login(staff)
    url = reverse("events:check_in", kwargs={"slug": chapter_event.slug})
    assert "Hidden Hannah" in client.get(url).content.decode()
    assert "Hidden Hannah" in client.get(url, {"q": "hannah@exa"}).content.decode()


def test_organiser_cannot_check_in_a_hidden_profile_by_guessing_its_id(
    client, organiser, chapter_event
):
    hidden = _person("Hidden Hannah", Visibility.HIDDEN)
    reg = services.event_register(event=chapter_event, user=hidden)
    client.force_login(organiser)
    toggle = reverse("events:check_in_toggle", kwargs={"slug": chapter_event.slug, "pk": reg.pk})
    response = client.post(toggle, {"action": "in"}, follow=True)
    assert response.status_code == 404
    assert "Hidden Hannah" not in response.content.decode()
    reg.refresh_from_db()
    assert reg.checked_in_at is None


def test_organiser_checks_in_a_visible_person_of_their_chapter(client, organiser, chapter_event):
    reg = services.event_register(event=chapter_event, user=_person("Shown Sam"))
    _starts_now(chapter_event)  # check-in opens on the event's day
    client.force_login(organiser)
    toggle = reverse("events:check_in_toggle", kwargs={"slug": chapter_event.slug, "pk": reg.pk})
    response = client.post(toggle, {"action": "in"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["checked_in"] is True


def test_a_check_in_without_javascript_returns_to_the_search_even_when_it_is_huge(
    client, organiser, chapter_event
):
    """The door list reads 100 characters of its search: the redirect after the check-in keeps
    those, where a hand-made 20,000-character one was refused (400) after the check-in saved."""
    reg = services.event_register(event=chapter_event, user=_person("Shown Sam"))
    _starts_now(chapter_event)
    client.force_login(organiser)
    toggle = reverse("events:check_in_toggle", kwargs={"slug": chapter_event.slug, "pk": reg.pk})
    response = client.post(toggle, {"action": "in", "q": "Shown " + "A" * 20_000})
    assert response.status_code == 302
    door = reverse("events:check_in", kwargs={"slug": chapter_event.slug})
    assert response["Location"] == f"{door}?q=Shown+{'A' * 94}"
    reg.refresh_from_db()
    assert reg.checked_in_at is not None


def test_organiser_of_another_chapter_cannot_toggle_check_in(client, chapter_event):
    stranger = UserFactory(name="Other Organiser")
    ChapterFactory().organisers.add(stranger)
    reg = services.event_register(event=chapter_event, user=_person("Shown Sam"))
    client.force_login(stranger)
    toggle = reverse("events:check_in_toggle", kwargs={"slug": chapter_event.slug, "pk": reg.pk})
    assert client.post(toggle, {"action": "in"}).status_code == 403
    url = reverse("events:check_in", kwargs={"slug": chapter_event.slug})
    assert client.get(url).status_code == 403
    reg.refresh_from_db()
    assert reg.checked_in_at is None


# Privacy: event page --------------------------------------------------------------------


def test_speaker_linked_to_a_hidden_profile_is_named_but_not_linked(client, member, event):
    hidden = _person("Hidden Speaker", Visibility.HIDDEN)
    SpeakerFactory(event=event, name="Dr. H. Speaker", member=hidden)
    shown = _person("Shown Speaker", Visibility.PUBLIC)
    SpeakerFactory(event=event, name="Shown Speaker", member=shown)
    for viewer in (None, member):
        if viewer:
            client.force_login(viewer)
        body = client.get(event.get_absolute_url()).content.decode()
        assert "Dr. H. Speaker" in body  # staff named them as a speaker: that is public
        assert hidden.profile.get_absolute_url() not in body
        assert shown.profile.get_absolute_url() in body


def test_who_is_coming_hides_hidden_profiles_from_members_and_anonymous_but_not_staff(
    client, member, staff, event
):
    services.event_register(event=event, user=_person("Hidden Hannah", Visibility.HIDDEN))
    services.event_register(event=event, user=_person("Public Paul", Visibility.PUBLIC))
    for viewer in (None, member):
        client.logout()
        if viewer:
            client.force_login(viewer)
        body = client.get(event.get_absolute_url()).content.decode()
        assert "Public Paul" in body
        assert "Hidden Hannah" not in body
    client.force_login(staff)
    assert "Hidden Hannah" in client.get(event.get_absolute_url()).content.decode()


def test_guest_email_longer_than_the_column_is_a_form_error_not_a_500(client, event):
    # Django's EmailValidator accepts up to 320 characters; the column holds 254.
    email = "a" * 250 + "@b.co"
    url = reverse("events:register", kwargs={"slug": event.slug})
    response = client.post(url, {"name": "Ann", "email": email})
    assert response.status_code == 400
    assert not event.registrations.exists()
    with pytest.raises(ValidationError) as exc:
        services.event_register(event=event, name="Ann", email=email)
    assert "email" in exc.value.message_dict


def test_checking_in_someone_on_the_waitlist_says_why_it_cannot(client, staff, event):
    event.capacity = 0
    event.save()
    reg = services.event_register(event=event, name="Wendy Wait", email="wendy@example.test")
    _starts_now(event)  # check-in opens on the event's day
    client.force_login(staff)
    toggle = reverse("events:check_in_toggle", kwargs={"slug": event.slug, "pk": reg.pk})
    response = client.post(toggle, {"action": "in"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert "Only confirmed registrations" in response.json()["error"]
    reg.refresh_from_db()
    assert reg.checked_in_at is None


# Privacy: feeds -------------------------------------------------------------------------


def test_feeds_never_name_attendees_and_a_personal_feed_is_only_mine(client, member, event):
    hidden = _person("Hidden Hannah", Visibility.HIDDEN)
    services.event_register(event=event, user=hidden)
    services.event_register(event=event, name="Gina Guest", email="gina@example.test")
    not_mine = EventFactory(title="Not my lunch", visibility=Event.Visibility.MEMBERS)
    services.event_register(event=not_mine, user=hidden)
    services.event_register(event=event, user=member)
    public = client.get(reverse("events:feed")).content.decode()
    token = services.calendar_token_create(user=member).token
    mine = client.get(reverse("events:personal_feed", kwargs={"token": token})).content.decode()
    for body in (public, mine):
        assert "Betacooks lunch" in body
        assert "Hidden Hannah" not in body
        assert "Gina Guest" not in body
        assert "gina@example.test" not in body
    assert "Not my lunch" not in public  # members-only
    assert "Not my lunch" not in mine  # someone else's registration
