"""Where a collaboration belongs follows its edits: a new space brings its chapter, no space
means no place, and an event left behind takes its place away; the page, the list's filter
and the dashboard's "by place" figures all move with it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from collaborations.models import DashboardTally
from collaborations.selectors import MEMBER, dashboard_compute
from collaborations.services.summary import contributions
from tests.factories import ChapterFactory, SpaceFactory

from .conftest import attend, form_as_sent, log, make_past_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(db):
    charleroi = SpaceFactory(name="Switch Coworking", city="Charleroi")
    kortrijk = SpaceFactory(name="Twelve", city="Kortrijk")
    return {
        "charleroi": charleroi,
        "kortrijk": kortrijk,
        "charleroi_chapter": ChapterFactory(name="BetaGroup Charleroi", space=charleroi),
        "kortrijk_chapter": ChapterFactory(name="BetaGroup Kortrijk", space=kortrijk),
    }


def by_place() -> list[tuple[str, int]]:
    """The dashboard's "by place" figures, as its chart shows them."""
    return [(f.label, f.count) for f in dashboard_compute(MEMBER)["by_place"]]


def tallies_equal_a_recount() -> bool:
    fields = ("dimension", "year", "kind", "origin_type", "event_id", "user_id")
    fields += ("company_id", "space_id", "chapter_id", "organisation")
    kept = {
        tuple(r[f] for f in fields): [r["n"], r["valued"], r["volume_cents"]]
        for r in DashboardTally.objects.exclude(n=0, valued=0, volume_cents=0).values(
            *fields, "n", "valued", "volume_cents"
        )
    }
    return kept == {k: v for k, v in contributions().items() if any(v)}


def edit(client, collab, **changes):
    url = reverse("collaborations:update", args=[collab.pk])
    data = form_as_sent(client.get(url).content.decode(), **changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    collab.refresh_from_db()
    return client.get(collab.get_absolute_url()).content.decode()


def test_a_new_space_brings_its_chapter_to_the_page_and_the_dashboard(
    client, member, other_member, places
):
    collab = log(member, other_member, confirm=True, space=places["charleroi"])
    assert collab.chapter == places["charleroi_chapter"]
    assert by_place() == [("BetaGroup Charleroi", 1)]

    client.force_login(other_member)
    page = edit(client, collab, space=str(places["kortrijk"].pk))
    assert collab.chapter == places["kortrijk_chapter"]
    assert "BetaGroup Kortrijk" in page
    assert "BetaGroup Charleroi" not in page
    assert by_place() == [("BetaGroup Kortrijk", 1)]
    assert tallies_equal_a_recount()
    listed = client.get(reverse("collaborations:list"), {"chapter": places["kortrijk_chapter"].pk})
    assert collab.title in listed.content.decode()
    listed = client.get(reverse("collaborations:list"), {"chapter": places["charleroi_chapter"].pk})
    assert collab.title not in listed.content.decode()


def test_no_space_means_no_place(client, member, other_member, places):
    collab = log(member, other_member, confirm=True, space=places["charleroi"])
    client.force_login(member)
    page = edit(client, collab, space="")
    assert (collab.space, collab.chapter) == (None, None)
    assert "BetaGroup Charleroi" not in page
    assert by_place() == [("—", 1)]
    assert tallies_equal_a_recount()


def test_an_event_left_behind_takes_its_chapter_away(client, member, other_member, places):
    # Kortrijk's chapter held this evening at the Charleroi space.
    evening = make_past_event(
        title="Pitch night", space=places["charleroi"], chapter=places["kortrijk_chapter"]
    )
    attend(evening, member)
    collab = log(member, other_member, confirm=True, origin_type="event", origin_event=evening)
    assert (collab.space, collab.chapter) == (places["charleroi"], places["kortrijk_chapter"])
    assert by_place() == [("BetaGroup Kortrijk", 1)]

    client.force_login(member)
    page = edit(client, collab, origin_type="space")  # met at the space after all
    assert collab.origin_event is None
    assert (collab.space, collab.chapter) == (places["charleroi"], places["charleroi_chapter"])
    assert "BetaGroup Charleroi" in page
    assert by_place() == [("BetaGroup Charleroi", 1)]
    assert tallies_equal_a_recount()


def test_other_changes_leave_the_place_alone(client, member, other_member, places):
    """A chapter staff set by hand (another chapter of the same space) stays when a party
    saves a new title: only a new space or event moves the place."""
    collab = log(member, other_member, confirm=True, space=places["charleroi"])
    women = ChapterFactory(name="Women in Business Charleroi", space=places["charleroi"])
    collab.chapter = women
    collab.save()  # as the admin does
    client.force_login(member)
    edit(client, collab, title="Renamed")
    assert (collab.space, collab.chapter) == (places["charleroi"], women)
    assert by_place() == [("Women in Business Charleroi", 1)]
