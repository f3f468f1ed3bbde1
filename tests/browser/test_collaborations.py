"""The collaboration ledger in a real browser: a member logs a collaboration that began at a
Betacooks (picking the other member from the suggestions), the other member confirms it, and
it shows on the micro-economy dashboard's charts and network graph."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from collaborations.models import Collaboration
from events.models import Event, EventKind, Registration
from members.models import Space, Visibility
from tests.browser.conftest import login
from tests.factories import make_member

pytestmark = pytest.mark.browser


@pytest.fixture
def lunch(transactional_db):
    kind = EventKind.objects.filter(slug="betacooks").first() or EventKind.objects.create(
        slug="betacooks", name_en="Betacooks"
    )
    space = Space.objects.create(name="Betacowork", slug="betacowork", city="Brussels")
    start = timezone.now() - timedelta(days=2)
    return Event.objects.create(
        title="Betacooks lunch",
        slug="betacooks-lunch-past",
        kind=kind,
        start=start,
        end=start + timedelta(minutes=90),
        space=space,
        capacity=20,
        status=Event.Status.PUBLISHED,
    )


def _person(name: str):
    return make_member(name, visibility=Visibility.PUBLIC).user


def test_log_confirm_and_see_it_on_the_dashboard(page, live_server, lunch):
    jeremie = _person("Jérémie Marti")
    guillaume = _person("Guillaume Tourniaire")
    Registration.objects.create(
        event=lunch,
        user=jeremie,
        name=jeremie.name,
        email=jeremie.email,
        status=Registration.Status.CONFIRMED,
        checked_in_at=lunch.start,
    )

    # Jérémie follows the invitation on his home page: the form opens with the event.
    login(page, live_server, jeremie)
    page.goto("/")
    page.get_by_role("link", name="Log the collaboration that began at Betacooks lunch").click()
    expect(page.locator("#id_origin_event")).to_have_value(str(lunch.pk))
    expect(page.locator("#id_introduced_by")).to_be_hidden()  # only for introductions

    page.fill("#id_title", "€100,000 raised through Ayomi")
    page.select_option("#id_kind", "investment")
    page.select_option("#id_my_role", "client")
    page.fill("#id_value_eur", "100000")
    member_input = page.locator("#id_participants-0-member")
    member_input.press_sequentially("Guill", delay=30)
    suggestion = page.locator("#member-suggestions option").first
    # The field offers and shows the name; the picked person's slug rides in a hidden input.
    expect(suggestion).to_have_attribute("value", "Guillaume Tourniaire")
    member_input.fill("Guillaume Tourniaire")
    expect(page.locator("input[name='participants-0-member_slug']")).to_have_value(
        guillaume.profile.slug
    )
    page.select_option("#id_participants-0-role", "supplier")
    page.check("input[name='visibility'][value='public']")
    with page.expect_navigation():
        page.get_by_role("button", name="Log it").click()
    expect(page.locator("h1")).to_have_text("€100,000 raised through Ayomi")
    expect(page.locator(".badge-warning").first).to_be_visible()
    assert Collaboration.objects.get().status == Collaboration.Status.PROPOSED

    # Not counted yet.
    page.goto("/collaborations/dashboard/")
    expect(page.locator(".collab-stats li").first).to_contain_text("0")

    # Guillaume confirms from his home page.
    page.context.clear_cookies()
    login(page, live_server, guillaume)
    page.goto("/")
    with page.expect_navigation():
        page.locator(".collab-home").get_by_role("button", name="Confirm").click()
    expect(page.locator(".badge-success").first).to_have_text("Confirmed")

    # It now counts, and the two of them are linked in the network graph.
    page.goto("/collaborations/dashboard/")
    expect(page.locator(".collab-stats li").first).to_contain_text("1")
    expect(page.locator(".collab-stats")).to_contain_text("100,000")
    graph = page.locator("svg.collab-graph")
    expect(graph.locator(".graph-node")).to_have_count(2)
    expect(graph).to_contain_text("Guillaume Tourniaire")
    expect(graph.locator(".graph-edges line")).to_have_count(1)
    expect(page.locator("#top-events + .table-wrap table")).to_contain_text("Betacooks lunch")
