"""Round 7: no events page skips a heading level (h1, h2, h3), whoever looks at it.

The world is the site crawler's (demo data, an organiser's chapter, a networking evening…),
built once for the module inside a transaction rolled back at its end."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client

from .test_round7_events import outline_jumps

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def crawl_world(django_db_setup, django_db_blocker):
    """The site crawler's world (demo data, an organiser's chapter, a networking evening…),
    built once for the module and rolled back at its end."""
    from tests.project.test_crawl import build_world

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            world = build_world()
            world.users["organiser"] = world.public_profile.user
            yield world
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


EVENTS_PAGES = ("events:", "chapters:", "organise:", "budget:")


def test_no_events_page_skips_a_heading_level(crawl_world):
    """Every page the events app renders on a GET (and the home page and a profile, which
    show its panels), as each kind of viewer: the outline never skips a level."""
    from tests.project.test_crawl import ROUTES, urls_for

    checked, jumps = 0, []
    for route in ROUTES:
        if not (route.name.startswith(EVENTS_PAGES) or route.name in ("home", "members:profile")):
            continue
        for url, _kwargs in urls_for(route, crawl_world)[:3]:
            for role in ("anonymous", "member", "organiser", "staff"):
                client = _client_as(crawl_world, role)
                response = client.get(url)
                if response.status_code != 200 or "text/html" not in response["Content-Type"]:
                    continue
                checked += 1
                jumps += [f"{url} as {role}: {j}" for j in outline_jumps(response.content.decode())]
    assert checked > 80  # 100 pages when this was written
    assert not jumps, "\n".join(jumps)


def _client_as(world, role):
    client = Client()
    if world.users[role] is not None:
        client.force_login(world.users[role])
    return client
