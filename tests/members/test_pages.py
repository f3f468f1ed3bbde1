"""Every page a member can open, rendered as another member: no hidden name anywhere.
Plus the profile, company and space pages, their panels and their query counts."""

import copy

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members import panels
from members.models import Membership
from tests.factories import MembershipFactory, SpaceFactory, UserFactory, make_member

HIDDEN_NAME = "Hieronymus Invisible"


@pytest.fixture
def world(db, vocab):
    space = SpaceFactory(name="Betacowork", slug="betacowork")
    viewer = make_member(
        "Viewer Person",
        skills=[vocab["seo"]],
        offers=[vocab["translation"]],
        seeks=[vocab["web-design"]],
    )
    hidden = make_member(
        HIDDEN_NAME,
        visibility="hidden",
        skills=[vocab["seo"]],
        offers=[vocab["web-design"]],
        seeks=[vocab["translation"]],
        company="Shared Company",
        home_space=space,
        headline="web design and translation",
    )
    MembershipFactory(user=hidden.user, space=space)
    visible = make_member(
        "Visible Colleague",
        visibility="members",
        offers=[vocab["web-design"]],
        company=hidden.company,
        home_space=space,
    )
    return {"viewer": viewer, "hidden": hidden, "visible": visible, "space": space}


def test_no_page_shows_a_hidden_name(client, world):
    hidden, visible, space = world["hidden"], world["visible"], world["space"]
    client.force_login(world["viewer"].user)
    pages = [
        reverse("home"),
        reverse("members:directory"),
        reverse("members:directory") + "?q=hieronymus",
        reverse("members:directory") + "?q=web+design",
        reverse("members:directory") + "?offers=web-design",
        reverse("members:directory") + "?space=betacowork",
        reverse("members:directory") + "?q=invisible&sort=relevance",
        visible.get_absolute_url(),
        reverse("members:company", args=[hidden.company.slug]),
        reverse("members:space", args=[space.slug]),
        reverse("members:suggestions"),
        reverse("members:people_json") + "?q=hier",
        reverse("members:people_json") + "?q=in",
        reverse("members:terms_json") + "?q=web",
        reverse("members:companies_json") + "?q=shared",
        reverse("members:my_data"),
        reverse("members:my_data_download"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert HIDDEN_NAME not in response.content.decode(), url
    # The visible ones are there, so the pages really list people.
    assert "Visible Colleague" in client.get(pages[8]).content.decode()
    assert "Visible Colleague" in client.get(pages[9]).content.decode()
    assert "Visible Colleague" in client.get(pages[10]).content.decode()
    # The hidden profile and its picture answer 404.
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get(reverse("members:avatar", args=[hidden.slug])).status_code == 404


def test_staff_export_is_the_only_list_with_hidden_people(client, world, staff):
    client.force_login(staff)
    body = b"".join(client.get(reverse("admin:members_profile_export")).streaming_content)
    assert HIDDEN_NAME in body.decode()


def test_profile_page_shows_panels_of_other_apps(client, world, monkeypatch, settings):
    """Events register "attended 12 Betacooks"; the profile page renders what it is given."""
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["APP_DIRS"] = False
    templates[0]["OPTIONS"]["loaders"] = [
        (
            "django.template.loaders.locmem.Loader",
            {"test/panel.html": "<p data-panel>attended {{ panel.count }} Betacooks</p>"},
        ),
        "django.template.loaders.filesystem.Loader",
        "django.template.loaders.app_directories.Loader",
    ]
    settings.TEMPLATES = templates
    calls = []

    def context(request, profile):
        calls.append(profile.pk)
        return {"count": 12}

    def hidden_panel(request, profile):
        return None  # a panel may decline to show

    monkeypatch.setattr(
        panels,
        "_profile",
        [panels.Panel(1, "test/panel.html", context), panels.Panel(2, "nope.html", hidden_panel)],
    )
    client.force_login(world["viewer"].user)
    html = client.get(world["visible"].get_absolute_url()).content.decode()
    assert calls == [world["visible"].pk]
    assert "attended 12 Betacooks" in html


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_profile_company_space_pages_constant_queries(client, world, vocab):
    client.force_login(world["viewer"].user)
    visible, space = world["visible"], world["space"]
    company_url = reverse("members:company", args=[visible.company.slug])
    space_url = reverse("members:space", args=[space.slug])
    profile_url = visible.get_absolute_url()
    for url in (company_url, space_url, profile_url):
        client.get(url)
    before = {u: _count(client, u) for u in (company_url, space_url, profile_url)}
    for n in range(30):
        make_member(f"Coworker {n}", company=visible.company, home_space=space)
    visible.skills.set([vocab["seo"], vocab["coaching"], vocab["translation"]])
    for _ in range(3):
        MembershipFactory(user=visible.user, space=space, plan=Membership.Plan.RESIDENT)
    after = {u: _count(client, u) for u in (company_url, space_url, profile_url)}
    assert after == before


def test_anonymous_sees_public_pages_only(client, world):
    assert client.get(world["visible"].get_absolute_url()).status_code == 404  # members only
    public = make_member("Public Person", visibility="public")
    assert client.get(public.get_absolute_url()).status_code == 200
    assert client.get(reverse("members:suggestions")).status_code == 302
    other = UserFactory()
    client.force_login(other)
    assert client.get(world["visible"].get_absolute_url()).status_code == 200
