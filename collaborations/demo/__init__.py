"""The collaborations part of the demo world: the article's stories, plus generated ones.

Rows are written directly (not through the services) so seeding sends no email; each
collaboration is keyed on its title, so running the seeder twice changes nothing (generated ones
also recognise the "(#n)" titles older versions gave them, and rename those). Past
events come from the events seeder (order 30): the stories that began at a Betacooks or a
Speed Networking find them by kind and date, and the story's author gets a check-in there
only if the events seeder did not give them one.

`stories.py` holds the article's stories, `generated.py` the generated ones; `rows.py` writes
either.
"""

from __future__ import annotations

from members.demo import MEMBER_EMAIL, ORGANISER_EMAIL, STAFF_EMAIL
from members.models import User

from ..models import Collaboration
from .generated import (
    GENERATED_COUNT,
    GENERATED_TITLES,
    INTRODUCERS,
    KIND_WEIGHTS,
    ROLES,
    UNNAMED_PARTNER,
    VALUES,
    _generated,
)
from .stories import STORIES, Story, _stories

__all__ = [
    "GENERATED_COUNT",
    "GENERATED_TITLES",
    "INTRODUCERS",
    "KIND_WEIGHTS",
    "ROLES",
    "STORIES",
    "UNNAMED_PARTNER",
    "VALUES",
    "Story",
    "seed_collaborations",
]


def seed_collaborations(world) -> None:
    emails = [
        STAFF_EMAIL,
        MEMBER_EMAIL,
        "ramon@betacowork.test",
        "lea@betacowork.test",
        "cecil@betacowork.test",
        "jeremie@betacowork.test",
        "guillaume@betacowork.test",
        "toon@betacowork.test",
        "eric@betacowork.test",
        "stan@betacowork.test",
        "julie@betagroup.test",
        "jean@woorank.test",
        "growth@madkings.test",
        ORGANISER_EMAIL,
        "philippe@switch.test",
    ]
    users = {
        u.email: u
        for u in User.objects.filter(email__in=emails).select_related(
            "profile__company", "profile__home_space"
        )
    }
    staff = users.get(STAFF_EMAIL)
    stories = _stories(world, users, staff)
    generated = _generated(world, users, staff)
    # The rows above are bulk-written: recount the dashboard's tallies from the ledger.
    from ..services import summary_rebuild

    summary_rebuild()
    confirmed = Collaboration.objects.confirmed().count()
    world.log(
        f"  collaborations: {stories} stories and {generated} generated added; "
        f"{Collaboration.objects.count()} in all, {confirmed} confirmed"
    )
