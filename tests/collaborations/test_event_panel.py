"""The event page says how many collaborations began there (collaborations' event panel)."""

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import UserFactory

from .conftest import attend, log, make_past_event

pytestmark = pytest.mark.django_db


def test_event_page_counts_confirmed_collaborations_that_began_there(client, member, other_member):
    event = make_past_event(title="Betacooks")
    attend(event, member)
    attend(event, other_member)
    url = reverse("events:detail", args=[event.slug])
    assert "began here" not in client.get(url).content.decode()

    log(member, other_member, origin_type="event", origin_event=event, confirm=True)
    log(member, other_member, origin_type="event", origin_event=event, title="Not yet confirmed")
    page = client.get(url).content.decode()
    assert "1 collaboration began here" in page


def test_attendee_is_invited_to_log_one_from_the_event_page(client, member, other_member):
    event = make_past_event()
    attend(event, member)
    url = reverse("events:detail", args=[event.slug])
    client.force_login(member)
    assert "Log it" in client.get(url).content.decode()
    client.force_login(other_member)  # did not attend: no invitation
    assert "Log it" not in client.get(url).content.decode()


def _panel_link(page: str) -> tuple[int, str]:
    """The panel's "N collaborations began here" and where its link goes."""
    found = re.search(
        r'<p class="collab-event-count"><a href="([^"]+)">(\d+) collaborations? began here',
        page,
    )
    assert found, "no count on the event page"
    return int(found[2]), html.unescape(found[1])


def _listed(client, url) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    return re.findall(
        r'<h3><a href="/collaborations/\d+/">([^<]+)</a></h3>', response.content.decode()
    )


def test_the_count_and_its_list_are_the_collaborations_this_viewer_may_see(
    client, member, other_member, third_member
):
    """QA: "6 collaborations began here" linked to a list of 2, from other events of its kind.
    The count is what the viewer may open, and its link lists exactly those."""
    event = make_past_event(title="Speed networking autumn", kind_slug="speed-networking")
    same_kind = make_past_event(title="Another evening", kind_slug="speed-networking")
    for who in (member, other_member):
        attend(event, who)
        attend(same_kind, who)
    began = {"origin_type": "event", "origin_event": event, "confirm": True}
    log(member, other_member, title="Public one", visibility="public", **began)
    log(member, other_member, title="Members one", visibility="members", **began)
    log(member, other_member, title="Private one", visibility="participants", **began)
    log(
        member,
        other_member,
        title="Elsewhere",
        origin_type="event",
        origin_event=same_kind,
        confirm=True,
    )
    url = reverse("events:detail", args=[event.slug])

    seen = {
        None: {"Public one"},
        third_member: {"Public one", "Members one"},
        member: {"Public one", "Members one", "Private one"},
    }
    for viewer, titles in seen.items():
        if viewer is None:
            client.logout()
        else:
            client.force_login(viewer)
        count, link = _panel_link(client.get(url).content.decode())
        assert count == len(titles)
        assert sorted(_listed(client, link)) == sorted(titles)


def test_the_list_filtered_by_an_unknown_event_says_so(client, member, other_member):
    event = make_past_event(title="Betacooks")
    attend(event, member)
    log(member, other_member, origin_type="event", origin_event=event, confirm=True)
    response = client.get(reverse("collaborations:list"), {"event": "no-such-event"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Some filters are not valid" in page
    assert "This event does not exist or is not shown to you." in page
    assert "Website redesign" not in page


def test_the_list_filtered_by_an_event_names_it(client, member, other_member):
    event = make_past_event(title="Betacooks at the Gare")
    attend(event, member)
    log(member, other_member, origin_type="event", origin_event=event, confirm=True)
    page = client.get(reverse("collaborations:list"), {"event": event.slug}).content.decode()
    assert "Began at this event:" in page
    assert event.get_absolute_url() in page
    assert "Website redesign" in page


@pytest.mark.parametrize("as_member", [False, True])
def test_the_panel_runs_the_same_queries_for_one_or_many_collaborations(
    client, member, other_member, as_member
):
    few, many = make_past_event(title="Few"), make_past_event(title="Many")
    for event, n in ((few, 1), (many, 4)):
        attend(event, member)
        for i in range(n):
            log(
                member,
                other_member,
                title=f"Deal {i}",
                origin_type="event",
                origin_event=event,
                confirm=True,
                visibility=["public", "members", "participants"][i % 3],
            )
    if as_member:
        client.force_login(UserFactory())
    counts = []
    for event in (few, few, many):  # the first one warms the caches
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(event.get_absolute_url()).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[1] == counts[2]
