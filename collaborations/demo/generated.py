"""Generated collaborations: deterministic filler for a meaningful dashboard."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.utils import timezone

from members.demo import GENERATED_DOMAIN, STAFF_EMAIL
from members.models import Company, User, Visibility

from ..models import Collaboration, CollaborationHistory
from .rows import K, Origin, R, S, V, _attendees, _past_events, _write

GENERATED_TITLES = {
    K.CLIENT_SUPPLIER: ["Bookkeeping for", "SEO audit for", "Office move for", "Sales deck for"],
    K.SERVICE: ["Website for", "Logo and branding for", "Translation of the site of", "Photos for"],
    K.SUBCONTRACTING: ["Subcontracted app development for", "Data pipeline for"],
    K.HIRE: ["Part-time hire at", "Intern hired by"],
    K.INVESTMENT: ["Seed investment in", "Business angel round of"],
    K.PARTNERSHIP: ["Joint offer with", "Co-organised workshop series with"],
    K.OTHER: ["Shared booth at a fair with"],
}
KIND_WEIGHTS = [
    (K.CLIENT_SUPPLIER, 8),
    (K.SERVICE, 10),
    (K.SUBCONTRACTING, 3),
    (K.HIRE, 3),
    (K.INVESTMENT, 2),
    (K.PARTNERSHIP, 4),
    (K.OTHER, 1),
]
ROLES = {
    K.CLIENT_SUPPLIER: (R.SUPPLIER, R.CLIENT),
    K.SERVICE: (R.SUPPLIER, R.CLIENT),
    K.SUBCONTRACTING: (R.SUPPLIER, R.CLIENT),
    K.HIRE: (R.EMPLOYER, R.HIRE),
    K.INVESTMENT: (R.INVESTOR, R.SELLER),
    K.PARTNERSHIP: (R.PARTNER, R.PARTNER),
    K.OTHER: (R.PARTNER, R.PARTNER),
}
VALUES = [None, None, 600, 1200, 2500, 4000, 8000, 15000, 30000, 50000]
INTRODUCERS = [STAFF_EMAIL, STAFF_EMAIL, "ramon@betacowork.test", "julie@betagroup.test"]
GENERATED_COUNT = 30
# How a generated title calls a partner whose profile is not public (it fits every phrase).
UNNAMED_PARTNER = "a member's start-up"


def _natural_title(kind: str, phrase: str, partner: str, start: date, taken: set[str]) -> str:
    """A title that reads like a person wrote it, unique among the generated ones.

    The rng's phrase first, then the kind's other phrases, then the month it began: no
    random draw here, so the rng sequence (and what an older database holds) stays the same.
    """
    return _unique_title(kind, phrase, partner, start, taken)


def _unique_title(kind: str, phrase: str, partner: str, start: date, taken: set[str]) -> str:
    """`_natural_title()`'s rule, also used to recompute the titles earlier versions gave."""
    phrases = GENERATED_TITLES[kind]
    start_at = phrases.index(phrase)
    rotated = phrases[start_at:] + phrases[:start_at]
    candidates = [f"{p} {partner}" for p in rotated]
    candidates += [f"{p} {partner} in {start:%B %Y}" for p in rotated]
    for candidate in candidates:
        if candidate not in taken:
            return candidate
    k = 2
    while f"{candidates[-1]}, part {k}" in taken:
        k += 1
    return f"{candidates[-1]}, part {k}"


def _generated(world, users: dict[str, User], staff: User | None) -> int:
    """Deterministic filler: enough confirmed collaborations for a meaningful dashboard."""
    rng = random.Random(5050)
    today = timezone.localdate()
    named = [u for e, u in sorted(users.items()) if e != STAFF_EMAIL]
    generated = list(
        User.objects.filter(email__endswith=f"@{GENERATED_DOMAIN}")
        .select_related("profile__company", "profile__home_space")
        .order_by("email")[:40]
    )
    # A small circle of regulars, so the network has hubs and not only isolated pairs.
    people = named + generated
    regulars = {u.pk for u in people}
    if len(people) < 4:
        return 0
    companies = list(Company.objects.exclude(name="Betacowork").order_by("name"))
    event_pool = {kind: _past_events(kind) for kind in ("betacooks", "speed-networking", "it-day")}
    kinds, weights = zip(*KIND_WEIGHTS, strict=True)
    made = 0
    taken: set[str] = set()
    taken_before: set[str] = set()  # the titles earlier versions gave, to rename them
    for n in range(1, GENERATED_COUNT + 1):
        kind = rng.choices(kinds, weights)[0]
        roll = rng.random()
        event, introducer = None, None
        if roll < 0.45:
            event_kind = rng.choice(["betacooks", "betacooks", "speed-networking", "it-day"])
            events = event_pool.get(event_kind) or []
            event = rng.choice(events) if events else None
        if event is not None:
            everyone = _attendees(event, set())
            pool = [u for u in everyone if u.pk in regulars]
            pool = pool if len(pool) >= 2 else everyone
            if len(pool) < 2:
                event = None
        if event is not None:
            author, partner = rng.sample(pool, 2)
            origin = Origin.EVENT
            start = min(timezone.localdate(event.start) + timedelta(days=rng.randint(3, 20)), today)
        else:
            author, partner = rng.sample(people, 2)
            origin = (
                Origin.INTRODUCTION
                if roll < 0.7
                else (Origin.SPACE if roll < 0.92 else Origin.OTHER)
            )
            if origin == Origin.INTRODUCTION:
                introducer = users.get(rng.choice(INTRODUCERS))
                if introducer in (author, partner):
                    origin, introducer = Origin.SPACE, None
            start = date(rng.randint(2015, 2026), rng.randint(1, 12), rng.randint(1, 28))
            start = min(start, today)
        first, second = ROLES[kind]
        parties: list[tuple[object, str]] = [(partner, second)]
        if rng.random() < 0.25 and companies:
            parties.append((rng.choice(companies), R.PARTNER if kind == K.PARTNERSHIP else second))
        # Earlier versions labelled the partner by company or name whoever they were.
        old_label = (
            partner.profile.company.name
            if getattr(partner.profile, "company", None)
            else partner.name
        )
        # A title is read by everyone who may open the collaboration, and its parties are
        # named only as their profile allows: a partner whose profile is not public is not
        # named, nor tied to their company, by a title.
        partner_label = (
            old_label if partner.profile.visibility == Visibility.PUBLIC else UNNAMED_PARTNER
        )
        phrase = rng.choice(GENERATED_TITLES[kind])
        title = _natural_title(kind, phrase, partner_label, start, taken)
        taken.add(title)
        old_title = _unique_title(kind, phrase, old_label, start, taken_before)
        taken_before.add(old_title)
        value = rng.choice(VALUES)  # drawn before any `continue`: the sequence must not shift
        # Earlier versions keyed generated rows on "<phrase> <partner> (#n)", then on the title
        # with the old label: such a row is this one under its old name, so it is renamed
        # rather than duplicated.
        numbered = {f"{phrase} {label} (#{n})" for label in (old_label, partner_label)}
        legacy = [t for t in (*sorted(numbered), old_title) if t != title]
        seeded = CollaborationHistory.objects.filter(
            action=CollaborationHistory.Action.CREATED, changes__seeded=True
        )
        # (Not a row another n was written as: its title is free to match by chance.)
        others = seeded.filter(changes__has_key="generated").exclude(changes__generated=n)
        if not Collaboration.objects.filter(title=title).exists():
            former = (
                Collaboration.objects.filter(title__in=legacy)
                .exclude(pk__in=others.values("collaboration_id"))
                .order_by("pk")
                .first()
            )
            if former is not None:
                Collaboration.objects.filter(pk=former.pk).update(title=title)
                continue
        if seeded.filter(changes__generated=n).exists():
            # Written by an earlier run: the draws above follow the world's past events, which
            # move on every week, so the same n may now read differently. It stays as written.
            continue
        # A row an earlier version wrote under this title gets its number (once).
        unnumbered = seeded.filter(collaboration__title=title).exclude(changes__has_key="generated")
        if unnumbered.update(changes={"seeded": True, "generated": n}):
            continue
        status = S.CONFIRMED
        if n % 13 == 0:
            status = S.PROPOSED
        elif n % 17 == 0:
            status = S.DECLINED
        visibility = V.PARTICIPANTS if n % 9 == 0 else (V.MEMBERS if n % 4 == 0 else V.PUBLIC)
        made += _write(
            title=title,
            author=author,
            author_role=first,
            kind=kind,
            start=start,
            parties=parties,
            origin=origin,
            event=event,
            introducer=introducer,
            value=value,
            visibility=visibility,
            status=status,
            description="",
            pending_users=set(),
            staff=staff,
            generated=n,
        )
    return made
