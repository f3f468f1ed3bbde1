"""What every demo seeder shares: the logins, the registry of seeders, and the world."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password

from ..models import User

DEMO_PASSWORD = "betacowork-demo"  # noqa: S105 - printed on purpose: demo logins only
STAFF_EMAIL = "staff@betacowork.test"
MEMBER_EMAIL = "katia@betacowork.test"
ORGANISER_EMAIL = "norman@betacowork.test"  # organiser of BetaGroup Charleroi
# Logins renamed since an older demo: a re-seed renames the account instead of adding one.
LEGACY_EMAILS = {"norman@betagroup.test": ORGANISER_EMAIL}
GENERATED_DOMAIN = "members.betacowork.test"

_seeders: list[tuple[int, str, Callable]] = []


def register_demo_seeder(*, order: int, name: str, seed: Callable) -> None:
    """`seed(world: DemoWorld) -> None` adds an app's demo rows (must be idempotent)."""
    _seeders.append((order, name, seed))
    _seeders.sort(key=lambda s: s[0])


def demo_seeders() -> list[tuple[int, str, Callable]]:
    return list(_seeders)


@dataclass
class DemoWorld:
    """What seeders share: the random source, the size asked for, and a log function."""

    members: int
    rng: random.Random
    log: Callable[[str], None]
    password_hash: str = ""

    def user(self, email: str) -> User:
        return User.objects.get(email=email)


def _upsert(model, defaults: dict, **lookup):
    """`update_or_create()` that saves only what changed: a second `seed_demo` then rewrites
    nothing (a saved term or company refreshes the search rows of everyone who uses it)."""
    obj, created = model.objects.get_or_create(**lookup, defaults=defaults)
    changed = [k for k, v in defaults.items() if getattr(obj, k) != v]
    if changed and not created:
        for k in changed:
            setattr(obj, k, defaults[k])
        obj.save(update_fields=changed)
    return obj, created


def new_world(*, members: int, log: Callable[[str], None]) -> DemoWorld:
    return DemoWorld(
        members=members,
        rng=random.Random(2026),
        log=log,
        password_hash=make_password(DEMO_PASSWORD),
    )
