"""A company's page lists a collaboration only where the viewer may see how the company is
linked: the company itself as a party, or a member whose profile the viewer may see. A member
the viewer may not see is "a member" on the collaboration's page; listing the collaboration on
their company's page would tell the viewer whose person that member is."""

from __future__ import annotations

import pytest
from django.urls import reverse

from collaborations.services import ParticipantSpec, collaboration_verify
from members.models import Visibility
from members.services import account_delete
from tests.factories import CompanyFactory, UserFactory, make_member

from .conftest import log, set_visibility

pytestmark = pytest.mark.django_db

TITLE = "Redesign of the home-exchange blog"


@pytest.fixture
def pixelwerk(db):
    return CompanyFactory(name="Pixelwerk")


@pytest.fixture
def lea(pixelwerk):
    """Pixelwerk's person, with a members-only profile (the demo's Léa)."""
    return make_member("Léa Dubois", visibility=Visibility.MEMBERS, company=pixelwerk).user


@pytest.fixture
def katia(db):
    return make_member("Katia Xenophontos", visibility=Visibility.PUBLIC).user


def company_page(client, company, viewer=None) -> str:
    """The company page as `viewer` sees it; "" when it is not theirs to see (a 404: a
    company whose people are all hidden from them, members.selectors.companies_visible_to)."""
    client.logout()
    if viewer is not None:
        client.force_login(viewer)
    response = client.get(reverse("members:company", args=[company.slug]))
    assert response.status_code in (200, 404)
    return response.content.decode() if response.status_code == 200 else ""


def test_a_members_only_persons_collaboration_is_not_on_the_public_company_page(
    client, pixelwerk, lea, katia, other_member
):
    log(katia, lea, confirm=True, title=TITLE)  # public: anyone may open it
    # Léa, its only person, is members-only: to a visitor the company has no page at all.
    assert client.get(reverse("members:company", args=[pixelwerk.slug])).status_code == 404
    # Another member may see Léa's profile, so the link to Pixelwerk too.
    assert TITLE in company_page(client, pixelwerk, other_member)


def test_a_hidden_persons_collaboration_is_only_on_the_page_for_staff_and_themselves(
    client, pixelwerk, lea, katia, other_member, staff
):
    log(katia, lea, confirm=True, title=TITLE)
    set_visibility(lea, Visibility.HIDDEN)
    assert TITLE not in company_page(client, pixelwerk)
    assert TITLE not in company_page(client, pixelwerk, other_member)
    # Katia is a party, but Léa's profile is hidden from her too: the collaboration's page
    # names Léa "a member", so the company page does not tie her to Pixelwerk either.
    assert TITLE not in company_page(client, pixelwerk, katia)
    assert TITLE in company_page(client, pixelwerk, lea)
    assert TITLE in company_page(client, pixelwerk, staff)


def test_a_hidden_member_who_took_part_for_the_company_is_not_shown_either(
    client, pixelwerk, katia, other_member, staff
):
    """Léa logged it for Pixelwerk, then left it (her profile names no company now)."""
    lea = make_member("Léa Dubois", visibility=Visibility.MEMBERS).user
    log(lea, katia, confirm=True, title=TITLE, author_company=pixelwerk)
    assert TITLE not in company_page(client, pixelwerk)
    assert TITLE in company_page(client, pixelwerk, other_member)
    set_visibility(lea, Visibility.HIDDEN)
    assert TITLE not in company_page(client, pixelwerk, other_member)
    assert TITLE in company_page(client, pixelwerk, staff)


def test_the_company_itself_as_a_party_is_listed_for_everyone(client, pixelwerk, lea, katia, staff):
    set_visibility(katia, Visibility.HIDDEN)
    collab = log(katia, ParticipantSpec(role="supplier", company=pixelwerk), title="Logo for Katia")
    collaboration_verify(collaboration=collab, staff=staff)
    body = company_page(client, pixelwerk)
    assert "Logo for Katia" in body
    assert "Katia" not in body.replace("Logo for Katia", "")


def test_a_former_member_for_the_company_is_listed_only_for_who_reads_the_history(
    client, pixelwerk, katia, staff
):
    lea = make_member("Léa Dubois", visibility=Visibility.PUBLIC, company=pixelwerk).user
    stan = UserFactory(name="Stan Jagiello")
    log(lea, katia, confirm=True, title=TITLE, author_company=pixelwerk)
    assert TITLE in company_page(client, pixelwerk)
    account_delete(user=lea)
    assert TITLE not in company_page(client, pixelwerk)
    assert TITLE not in company_page(client, pixelwerk, stan)
    assert TITLE in company_page(client, pixelwerk, katia)  # a party
    assert TITLE in company_page(client, pixelwerk, staff)


# --- The demo world names no one whose profile is not public --------------------------------


def _seed(*, everyone_public_for_the_ledger: bool = False) -> None:
    """Seed the demo world; `everyone_public_for_the_ledger` seeds the ledger as if every
    profile were public (what earlier versions wrote: titles named whoever they liked)."""
    from members.demo import demo_seeders, new_world
    from members.models import Profile

    world = new_world(members=60, log=lambda line: None)
    kept: dict[int, str] = {}
    for _, name, seed in demo_seeders():
        if everyone_public_for_the_ledger and name.startswith("collaborations"):
            kept = dict(Profile.objects.values_list("pk", "visibility"))
            Profile.objects.update(visibility=Visibility.PUBLIC)
        seed(world)
        for pk, visibility in kept.items():
            Profile.objects.filter(pk=pk).update(visibility=visibility)
        kept = {}


def _names_of(profile) -> list[str]:
    """How a text may name `profile`: in full, and the named demo people by their first name
    too, as the stories do ("Stan", "Léa")."""
    from members.demo import PEOPLE

    names = [profile.display_name]
    if profile.display_name in {row[1] for row in PEOPLE}:
        names.append(profile.display_name.split()[0])
    return names


def _named(text: str, names: list[str]) -> list[str]:
    import re

    return [n for n in names if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", text)]


def _leaks() -> list[tuple[str, list[str]]]:
    """Collaborations whose title names one of its people whose profile is not public, or
    whose description names one its readers may not see (a members-only one: no hidden
    profile). The check goes by the collaboration's own people: two members may share a name."""
    from collaborations.models import Collaboration

    leaks = []
    collabs = Collaboration.objects.prefetch_related("participants__user__profile").select_related(
        "author__profile", "introduced_by__profile"
    )
    for c in collabs.order_by("pk"):
        users = [p.user for p in c.participants.all() if p.user] + [c.author, c.introduced_by]
        profiles = {u.profile for u in users if u is not None}
        not_public = [p for p in profiles if p.visibility != Visibility.PUBLIC]
        hidden_here = not_public
        if c.visibility != Collaboration.Visibility.PUBLIC:
            hidden_here = [p for p in profiles if p.visibility == Visibility.HIDDEN]
        found = _named(c.title, [n for p in not_public for n in _names_of(p)])
        found += _named(c.description, [n for p in hidden_here for n in _names_of(p)])
        if found:
            leaks.append((c.title, found))
    return leaks


def test_no_demo_collaboration_names_a_member_its_readers_may_not_see():
    from collaborations.models import Collaboration

    _seed()
    assert _leaks() == []
    assert Collaboration.objects.filter(title="Data.be hires a web developer").exists()
    generated = Collaboration.objects.filter(title__contains="a member's start-up")
    assert generated.exists()  # some partners are not public: their titles do not name them


def test_a_demo_world_seeded_with_the_old_titles_is_renamed_not_duplicated():
    from collaborations.models import Collaboration

    _seed(everyone_public_for_the_ledger=True)
    Collaboration.objects.filter(title="Data.be hires a web developer").update(
        title="Data.be hires Stan Jagiello",
        description="On a coworker's advice at a Betacooks, Data.be hired Stan, a web "
        "developer who then became a member.",
    )
    assert _leaks()  # what an earlier version left
    count = Collaboration.objects.count()
    _seed()
    assert Collaboration.objects.count() == count
    assert _leaks() == []


def test_a_hidden_member_who_logged_for_the_company_does_not_open_its_page(
    client, pixelwerk, lea, katia, staff
):
    """Léa logged a collaboration for Pixelwerk (her row names the company), then hid her
    profile: the company page and the API's list would say a hidden member works there."""
    log(lea, katia, title=TITLE, author_company=pixelwerk)  # proposed: not even confirmed
    set_visibility(lea, Visibility.HIDDEN)
    for viewer in (None, katia):
        client.logout()
        if viewer is not None:
            client.force_login(viewer)
        assert client.get(reverse("members:company", args=[pixelwerk.slug])).status_code == 404
        listed = client.get("/api/v1/companies/").json()["results"]
        assert pixelwerk.slug not in {c["slug"] for c in listed}
    client.force_login(staff)
    assert client.get(reverse("members:company", args=[pixelwerk.slug])).status_code == 200
