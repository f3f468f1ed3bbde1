"""A deleted account's registrations stay, for the events' attendance, as a former member's:
without the name, address or note (QA: a hidden profile's name showed on the organiser's
lists, its CSV and the door list once the account was gone — its row read like a guest's —
and organiser notes about a past event still went to the deleted account's address)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from betacowork.messaging.models import Outbox
from events import services
from events.models import Registration
from members.models import Visibility
from members.services import account_delete
from tests.factories import ChapterFactory, SpaceFactory, UserFactory

from .factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def kick_off(organiser):
    chapter = ChapterFactory(name="Kortrijk", space=SpaceFactory(name="Hangar K"))
    chapter.organisers.add(organiser)
    start = timezone.now() - timedelta(days=20)
    return EventFactory(
        title="Kortrijk kick-off",
        slug="kortrijk-kick-off",
        chapter=chapter,
        space=chapter.space,
        start=start,
        end=start + timedelta(hours=3),
    )


@pytest.fixture
def zelda(kick_off):
    """A member with a hidden profile who came to the kick-off, then deleted her account."""
    user = UserFactory(name="Zelda Secretname", email="zelda@example.test")
    user.profile.visibility = Visibility.HIDDEN
    user.profile.save()
    registration = RegistrationFactory(
        event=kick_off, user=user, note="gluten-free", checked_in_at=kick_off.start
    )
    RegistrationFactory(event=kick_off, user=None, name="Gus Guest", email="gus@example.test")
    account_delete(user=user)
    return registration


@pytest.mark.parametrize("who", ["organiser", "staff"])
def test_the_lists_say_a_former_member_and_never_the_name(client, request, kick_off, zelda, who):
    client.force_login(request.getfixturevalue(who))
    pages = {
        path: client.get(path).content.decode()
        for path in (
            "/organise/kortrijk-kick-off/registrations/",
            "/organise/kortrijk-kick-off/registrations.csv",
            "/events/kortrijk-kick-off/check-in/",
        )
    }

    for path, page in pages.items():
        assert "Zelda" not in page, path
        assert "zelda@example.test" not in page, path
        assert "gluten-free" not in page, path
        assert "Gus Guest" in page, path  # a guest is still a guest
    assert "A former member" in pages["/organise/kortrijk-kick-off/registrations/"]
    assert "A former member" in pages["/events/kortrijk-kick-off/check-in/"]
    assert "A former member" in pages["/organise/kortrijk-kick-off/registrations.csv"]


def test_the_row_keeps_the_attendance_and_nothing_personal(kick_off, zelda):
    zelda.refresh_from_db()
    assert zelda.status == Registration.Status.CONFIRMED
    assert zelda.checked_in_at is not None  # the kick-off's attendance is unchanged
    assert (zelda.user, zelda.name, zelda.email, zelda.note) == (None, "", "", "")
    assert zelda.former_member
    assert not zelda.is_guest


def test_no_note_or_change_goes_to_a_former_member(organiser, kick_off, zelda):
    from events.console.services import organiser_note_send

    result = organiser_note_send(
        actor=organiser,
        event=kick_off,
        subject="Photos",
        body="The photos are online.",
        include_waitlist=False,
        nonce=uuid.uuid4().hex,
    )
    services.event_update(
        event=kick_off,
        data={"start": kick_off.start + timedelta(hours=1), "end": kick_off.end},
    )

    assert result.sent == 1  # the guest
    sent_to = set(Outbox.objects.values_list("to_email", flat=True))
    assert "gus@example.test" in sent_to
    assert not sent_to - {"gus@example.test"}


def test_two_former_members_at_one_event_and_a_newcomer_with_the_old_address(kick_off, zelda):
    """Their erased addresses do not collide; the old address may register again."""
    other = UserFactory(name="Otto Gone")
    RegistrationFactory(event=kick_off, user=other)
    account_delete(user=other)
    later = EventFactory(start=timezone.now() + timedelta(days=3))

    again = services.event_register(event=later, name="Zelda New", email="zelda@example.test")

    assert Registration.objects.filter(event=kick_off, former_member=True).count() == 2
    assert again.status == Registration.Status.CONFIRMED


def test_a_waitlist_place_goes_with_the_account_even_at_an_event_under_way(kick_off):
    """Review: a waitlisted member of an event whose start was mistyped in the past deleted
    their account; once the start was corrected and seats added, nobody's row got a seat."""
    kick_off.capacity = 1
    kick_off.save()
    RegistrationFactory(event=kick_off, user=UserFactory())
    waiting = RegistrationFactory(
        event=kick_off,
        user=UserFactory(name="Wanda Waiting"),
        status=Registration.Status.WAITLISTED,
        waitlisted_at=kick_off.start - timedelta(days=1),
        confirmed_at=None,
    )
    account_delete(user=waiting.user)
    later = timezone.now() + timedelta(days=1)
    services.event_update(
        event=kick_off, data={"start": later, "end": later + timedelta(hours=3), "capacity": 5}
    )

    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CANCELLED
    assert not Outbox.objects.filter(to_email="").exists()


def test_the_note_page_counts_only_whom_the_note_reaches(client, organiser, kick_off, zelda):
    client.force_login(organiser)

    page = client.get("/organise/kortrijk-kick-off/message/").content.decode()

    assert "Goes by email to 1 confirmed person" in page  # Gus; not the former member's seat


def test_the_admin_does_not_let_staff_type_the_erased_name_back(client, staff, kick_off, zelda):
    client.force_login(staff)
    url = f"/admin/events/registration/{zelda.pk}/change/"
    page = client.get(url).content.decode()
    for field in ("name", "email", "note"):
        assert f'name="{field}"' not in page

    client.post(url, {"name": "Zelda Secretname", "email": "zelda@example.test", "note": "x"})

    zelda.refresh_from_db()
    assert (zelda.name, zelda.email, zelda.note) == ("", "", "")
    # A guest's row is still editable (a typo in a name at the door).
    guest = Registration.objects.get(event=kick_off, name="Gus Guest")
    page = client.get(f"/admin/events/registration/{guest.pk}/change/").content.decode()
    assert 'name="name"' in page


def test_the_admin_list_names_the_row_a_former_member(client, staff, kick_off, zelda):
    client.force_login(staff)
    page = client.get("/admin/events/registration/", {"q": "Kortrijk"}).content.decode()
    rows = page[page.index('id="result_list"') :]
    assert '<th class="field-who"><a href="/admin/events/registration/' in rows
    assert ">A former member</a>" in rows
    assert ">Gus Guest</a>" in rows
    assert "Zelda" not in page
