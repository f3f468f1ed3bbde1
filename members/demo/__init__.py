"""The demo world: the community of the two source articles, plus generated members.

Each app adds its part with `register_demo_seeder()` in its AppConfig.ready(); the
`seed_demo` command runs them in order. Every seeder is idempotent: running the command twice
gives the same rows.

`world.py` holds the registry, the logins and `DemoWorld`; `core.py` seeds the vocabulary,
spaces, companies and the named people of `people.py`; `generated.py` the generated members.
"""

from __future__ import annotations

from .core import COMPANIES, SPACES, TERMS, _seed_core
from .generated import CITIES, FIRST, JOBS, LAST, _seed_generated, generated_members_create
from .people import MEMBER_SINCE, PEOPLE
from .world import (
    DEMO_PASSWORD,
    GENERATED_DOMAIN,
    LEGACY_EMAILS,
    MEMBER_EMAIL,
    ORGANISER_EMAIL,
    STAFF_EMAIL,
    DemoWorld,
    _upsert,
    demo_seeders,
    new_world,
    register_demo_seeder,
)

__all__ = [
    "CITIES",
    "COMPANIES",
    "DEMO_PASSWORD",
    "FIRST",
    "GENERATED_DOMAIN",
    "JOBS",
    "LAST",
    "LEGACY_EMAILS",
    "MEMBER_EMAIL",
    "MEMBER_SINCE",
    "ORGANISER_EMAIL",
    "PEOPLE",
    "SPACES",
    "STAFF_EMAIL",
    "TERMS",
    "DemoWorld",
    "_seed_core",
    "_upsert",
    "demo_seeders",
    "generated_members_create",
    "new_world",
    "register_demo_seeder",
]


def _seed_chapters(world: DemoWorld) -> None:
    from ..demo_chapters import seed_chapters  # its own module; it imports this one

    seed_chapters(world)


register_demo_seeder(order=10, name="members: spaces, companies, people", seed=_seed_core)
register_demo_seeder(order=20, name="members: generated members", seed=_seed_generated)
register_demo_seeder(
    order=25, name="members: regional chapters, their diaspora and followers", seed=_seed_chapters
)
