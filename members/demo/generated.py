"""Generated members: deterministic people, in bulk, to fill the directory."""

from __future__ import annotations

import random
from datetime import date, timedelta

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils.text import slugify

from ..models import Membership, Profile, Space, Term, User, Visibility
from ..search import profile_search_refresh
from .core import SPACES
from .world import GENERATED_DOMAIN, DemoWorld

FIRST = [
    "Lucas",
    "Emma",
    "Noah",
    "Louise",
    "Arthur",
    "Olivia",
    "Jules",
    "Mila",
    "Adam",
    "Elise",
    "Liam",
    "Lina",
    "Victor",
    "Nora",
    "Louis",
    "Zoë",
    "Finn",
    "Marie",
    "Wout",
    "Amélie",
    "Thomas",
    "Sarah",
    "Milan",
    "Julie",
    "Hugo",
    "Lotte",
    "Bram",
    "Inès",
    "Simon",
    "Fien",
    "Ruben",
    "Camille",
    "Jasper",
    "Manon",
    "Youssef",
    "Aya",
    "Lars",
    "Hanne",
    "Mehdi",
    "Chloé",
]
LAST = [
    "Peeters",
    "Janssens",
    "Maes",
    "Jacobs",
    "Mertens",
    "Willems",
    "Claes",
    "Goossens",
    "Wouters",
    "De Smet",
    "Dubois",
    "Lambert",
    "Dupont",
    "Martin",
    "Simon",
    "Laurent",
    "Leroy",
    "Renard",
    "Michel",
    "Lejeune",
    "Vermeulen",
    "Van Damme",
    "El Amrani",
    "Hermans",
    "Desmet",
    "Declercq",
    "Fontaine",
    "Gilson",
    "Hendrickx",
    "Moreau",
]
JOBS = [
    "Freelance developer",
    "Designer",
    "Consultant",
    "Founder",
    "Translator",
    "Marketing consultant",
    "Accountant",
    "Lawyer",
    "Photographer",
    "Data analyst",
    "Project manager",
    "Copywriter",
    "Coach",
    "Sales lead",
]
CITIES = [
    ("Brussels", "Brussels"),
    ("Ixelles", "Brussels"),
    ("Etterbeek", "Brussels"),
    ("Leuven", "Flemish Brabant"),
    ("Charleroi", "Hainaut"),
    ("Namur", "Namur"),
    ("Mons", "Hainaut"),
    ("Kortrijk", "West Flanders"),
    ("Ghent", "East Flanders"),
    ("Wavre", "Walloon Brabant"),
]


def generated_members_create(world: DemoWorld, count: int) -> int:
    """Create generated members up to `count` (by their deterministic emails); bulk inserts."""
    existing = set(
        User.objects.filter(email__endswith=f"@{GENERATED_DOMAIN}").values_list("email", flat=True)
    )
    rng = random.Random(4242)  # same people on every run
    terms = list(Term.objects.order_by("slug"))
    # Only the spaces of SPACES: the chapters' own spaces (demo_chapters.py) must not shift
    # the random draws, nor get generated members.
    spaces = list(Space.objects.filter(slug__in=[s[0] for s in SPACES]).order_by("slug"))
    new_users = []
    plans = []
    for n in range(1, count + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        job = rng.choice(JOBS)
        city, region = rng.choice(CITIES)
        space = spaces[0] if rng.random() < 0.75 else rng.choice(spaces)
        skills = rng.sample(terms, 3)
        offers = rng.sample(terms, 2)
        seeks = rng.sample(terms, 2)
        plans.append(
            (
                first,
                last,
                job,
                city,
                region,
                space,
                skills,
                offers,
                seeks,
                rng.random(),
                rng.randint(0, 3650),
            )
        )
        email = f"member{n:05d}@{GENERATED_DOMAIN}"
        if email not in existing:
            new_users.append(
                User(
                    email=email,
                    name=f"{first} {last}",
                    password=world.password_hash,
                    preferred_language=rng.choice(["en", "fr", "nl"]),
                )
            )
    if not new_users:
        return 0
    with transaction.atomic():
        User.objects.bulk_create(new_users, batch_size=1000)
        by_email = dict(
            User.objects.filter(email__in=[u.email for u in new_users]).values_list("email", "pk")
        )
        profiles, memberships, m2m = [], [], {"skills": [], "offers": [], "seeks": []}
        for n in range(1, count + 1):
            email = f"member{n:05d}@{GENERATED_DOMAIN}"
            if email not in by_email:
                continue
            first, last, job, city, region, space, skills, offers, seeks, r, days = plans[n - 1]
            uid = by_email[email]
            visibility = (
                Visibility.HIDDEN
                if r < 0.05
                else Visibility.PUBLIC
                if r < 0.45
                else Visibility.MEMBERS
            )
            profiles.append(
                Profile(
                    user_id=uid,
                    slug=f"{slugify(first)}-{slugify(last)}-{n}",
                    display_name=f"{first} {last}",
                    job_title=job,
                    headline=f"{job} — {offers[0].name_en} and {offers[1].name_en}",
                    offers_text=f"I can help with {offers[0].name_en}.",
                    seeks_text=f"Looking for help with {seeks[0].name_en}.",
                    city=city,
                    region=region,
                    home_space=space,
                    visibility=visibility,
                    languages=["fr", "en"] if n % 2 else ["nl", "en"],
                    member_since=date(2026, 11, 1) - timedelta(days=days),
                )
            )
            if space.slug == "betacowork" and r < 0.9:
                memberships.append(
                    Membership(
                        user_id=uid,
                        space=space,
                        start=date(2026, 11, 1) - timedelta(days=days),
                        plan=[
                            Membership.Plan.FLEX,
                            Membership.Plan.RESIDENT,
                            Membership.Plan.COMMUNITY,
                        ][n % 3],
                    )
                )
        Profile.objects.bulk_create(profiles, batch_size=1000)
        pid = dict(
            Profile.objects.filter(user_id__in=by_email.values()).values_list("user_id", "pk")
        )
        for n in range(1, count + 1):
            email = f"member{n:05d}@{GENERATED_DOMAIN}"
            if email not in by_email:
                continue
            p = pid[by_email[email]]
            _, _, _, _, _, _, skills, offers, seeks, _, _ = plans[n - 1]
            for field, items in (("skills", skills), ("offers", offers), ("seeks", seeks)):
                through = getattr(Profile, field).through
                m2m[field].extend(through(profile_id=p, term_id=t.pk) for t in items)
        for field, rows in m2m.items():
            getattr(Profile, field).through.objects.bulk_create(rows, batch_size=2000)
        Membership.objects.bulk_create(memberships, batch_size=1000)
        EmailAddress.objects.bulk_create(
            [
                EmailAddress(user_id=uid, email=email, verified=True, primary=True)
                for email, uid in by_email.items()
            ],
            batch_size=1000,
        )
        # bulk_create sends no signals: build the search documents and cards here, set-based.
        profile_search_refresh(profile_ids=pid.values())
    return len(new_users)


def _seed_generated(world: DemoWorld) -> None:
    made = generated_members_create(world, world.members)
    # Profiles from before the search document existed (an older demo database) get theirs.
    stale = Profile.objects.filter(search_document="").values_list("pk", flat=True)
    profile_search_refresh(profile_ids=list(stale))
    world.log(f"  generated members: {made} new, {world.members} asked for")
