"""The regional chapters of the demo world, from the second source article ("BetaGroup essaime
en Province"): BetaGroup Charleroi at Switch Coworking (Cowallonia network), run by Norman and
Anton; BetaGroup Kortrijk at Twelve, run by Jurgen De Smet; Namur and Mons in discussion.

Also the people the chapters are for: the region's "diaspora" — members from Hainaut and West
Flanders whose home space is Betacowork in Brussels — and the chapters' followers (named
people, the diaspora who asked, generated members near the chapter or at its host space).

It runs after the generated members (order 25). Idempotent like the rest of the demo: spaces
and chapters are keyed on their slugs, people on their emails, and nothing is rewritten when
it has not changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from allauth.account.models import EmailAddress
from django.db.models import Q

from .demo import GENERATED_DOMAIN, ORGANISER_EMAIL, DemoWorld, _upsert
from .models import Chapter, Membership, Profile, Space, Term, User, Visibility
from .search import profile_search_refresh

# The article names no space in Namur or Mons: these two are invented for the demo.
CHAPTER_SPACES = [
    (
        "le-confluent-namur",
        "Le Confluent",
        "Namur",
        "Invented for the demo (the article only says talks are under way in Namur): a "
        "coworking space where the Sambre meets the Meuse.",
    ),
    (
        "le-beffroi-mons",
        "Le Beffroi",
        "Mons",
        "Invented for the demo (the article only says talks are under way in Mons): a "
        "coworking space below the belfry.",
    ),
]


@dataclass(frozen=True)
class ChapterPlan:
    slug: str
    name: str
    space: str
    status: str
    places: str
    description: str
    organisers: tuple[str, ...] = ()
    followers: tuple[str, ...] = ()  # named people; the diaspora say which one they follow
    nearby: tuple[str, ...] = ()  # generated members living there follow it too


CHAPTERS = [
    ChapterPlan(
        "betagroup-charleroi",
        "BetaGroup Charleroi",
        "switch-coworking-charleroi",
        Chapter.Status.ACTIVE,
        "Charleroi, Hainaut",
        "Small regular events (50 people at most) at Switch Coworking: the monthly Switch IT "
        "day and the odd talk. Run by Norman and Anton, two BetaGroup members from Charleroi "
        "who want a web community back home.",
        organisers=(ORGANISER_EMAIL, "anton@betagroup.test"),
        followers=(
            "adrien@betagroup.test",
            "philippe@switch.test",
            ORGANISER_EMAIL,
            "anton@betagroup.test",
            "julie@betagroup.test",
        ),
        nearby=("Charleroi", "Mons", "Namur"),
    ),
    ChapterPlan(
        "betagroup-kortrijk",
        "BetaGroup Kortrijk",
        "twelve-kortrijk",
        Chapter.Status.ACTIVE,
        "Kortrijk, West-Vlaanderen, West Flanders, Flandre-Occidentale",
        "The BetaGroup antenna at Twelve in Kortrijk, started in October by Jurgen De Smet.",
        organisers=("jurgen@twelve.test",),
        followers=("jurgen@twelve.test", "toon@betacowork.test", "julie@betagroup.test"),
        nearby=("Kortrijk", "Ghent"),
    ),
    ChapterPlan(
        "betagroup-namur",
        "BetaGroup Namur",
        "le-confluent-namur",
        Chapter.Status.PLANNED,
        "Namur",
        "In discussion: a BetaGroup antenna in Namur. Follow it to hear when it starts.",
        followers=("julie@betagroup.test",),
    ),
    ChapterPlan(
        "betagroup-mons",
        "BetaGroup Mons",
        "le-beffroi-mons",
        Chapter.Status.PLANNED,
        "Mons, Borinage",
        "In discussion: a BetaGroup antenna in Mons. Follow it to hear when it starts.",
        followers=("julie@betagroup.test",),
    ),
]

# The diaspora: (email, name, job, headline, city, region, offers, visibility, follows).
# Their home space is Betacowork; one is hidden, to show that they never appear anywhere.
DIASPORA = [
    (
        "sarah.dufour@betacowork.test",
        "Sarah Dufour",
        "UX designer",
        "UX designer commuting from Charleroi",
        "Charleroi",
        "Hainaut",
        ["ux-research", "web-design"],
        Visibility.PUBLIC,
        "betagroup-charleroi",
    ),
    (
        "kevin.delhaye@betacowork.test",
        "Kevin Delhaye",
        "Mobile developer",
        "Android and iOS apps, born in Marcinelle",
        "Charleroi",
        "Hainaut",
        ["mobile-apps", "web-development"],
        Visibility.MEMBERS,
        "betagroup-charleroi",
    ),
    (
        "thibault.wauthier@betacowork.test",
        "Thibault Wauthier",
        "Data engineer",
        "Data pipelines; lives in Mons, works in Brussels",
        "Mons",
        "Hainaut",
        ["data-science", "open-data"],
        Visibility.MEMBERS,
        "betagroup-mons",
    ),
    (
        "aurelie.caudron@betacowork.test",
        "Aurélie Caudron",
        "Copywriter",
        "Copywriter from La Louvière",
        "La Louvière",
        "Hainaut",
        ["copywriting", "social-media"],
        Visibility.PUBLIC,
        "betagroup-charleroi",
    ),
    (
        "nathalie.baudoux@betacowork.test",
        "Nathalie Baudoux",
        "Accountant",
        "Accountant for freelancers, from Tournai",
        "Tournai",
        "Hainaut",
        ["accounting"],
        Visibility.PUBLIC,
        "",
    ),
    (
        "jonathan.piret@betacowork.test",
        "Jonathan Piret",
        "Security consultant",
        "Security audits",
        "Mons",
        "Hainaut",
        ["cybersecurity"],
        Visibility.HIDDEN,
        "",
    ),
    (
        "pieter.vandenberghe@betacowork.test",
        "Pieter Vandenberghe",
        "Sales lead",
        "B2B sales, home in Kortrijk",
        "Kortrijk",
        "West Flanders",
        ["sales"],
        Visibility.PUBLIC,
        "betagroup-kortrijk",
    ),
    (
        "elien.debaene@betacowork.test",
        "Elien Debaene",
        "Marketing consultant",
        "Growth marketing, commuting from Bruges",
        "Bruges",
        "West Flanders",
        ["growth-marketing", "seo"],
        Visibility.MEMBERS,
        "betagroup-kortrijk",
    ),
    (
        "wouter.verhaeghe@betacowork.test",
        "Wouter Verhaeghe",
        "Freelance developer",
        "Django developer from Roeselare",
        "Roeselare",
        "West Flanders",
        ["web-development"],
        Visibility.PUBLIC,
        "",
    ),
    (
        "lies.callewaert@betacowork.test",
        "Lies Callewaert",
        "Photographer",
        "Portraits and events, from Ostend",
        "Ostend",
        "West Flanders",
        ["photography", "video"],
        Visibility.MEMBERS,
        "",
    ),
]
NEARBY_FOLLOWERS = 40  # generated members near a chapter (or at its host) who follow it, at most


def _set_changed(obj, **fields) -> None:
    """Save only the fields that differ: a second seed rewrites nothing."""
    changed = [k for k, v in fields.items() if getattr(obj, k) != v]
    for k in changed:
        setattr(obj, k, fields[k])
    if changed:
        obj.save(update_fields=changed)


def _chapters() -> dict[str, Chapter]:
    for slug, name, city, description in CHAPTER_SPACES:
        _upsert(Space, slug=slug, defaults={"name": name, "city": city, "description": description})
    spaces = {s.slug: s for s in Space.objects.all()}
    chapters = {}
    for plan in CHAPTERS:
        chapter, _ = _upsert(
            Chapter,
            slug=plan.slug,
            defaults={
                "name": plan.name,
                "space": spaces[plan.space],
                "status": plan.status,
                "places": plan.places,
                "description": plan.description,
            },
        )
        chapter.organisers.set(User.objects.filter(email__in=plan.organisers))
        chapter.followers.add(*User.objects.filter(email__in=plan.followers))
        chapters[plan.slug] = chapter
    return chapters


def _diaspora(world: DemoWorld, chapters: dict[str, Chapter]) -> None:
    betacowork = Space.objects.get(slug="betacowork")
    terms = {t.slug: t for t in Term.objects.all()}
    for n, (email, name, job, headline, city, region, offers, visibility, follows) in enumerate(
        DIASPORA
    ):
        user, created = User.objects.get_or_create(
            email=email,
            defaults={
                "name": name,
                "password": world.password_hash,
                "preferred_language": "nl" if region == "West Flanders" else "fr",
            },
        )
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        since = date(2016 + n % 5, 1 + n, 15)
        _set_changed(
            user.profile,
            display_name=name,
            job_title=job,
            headline=headline,
            bio=f"{headline}. Works at Betacowork in Brussels, lives in {city}.",
            city=city,
            region=region,
            home_space=betacowork,
            visibility=visibility,
            languages=["nl", "en", "fr"] if region == "West Flanders" else ["fr", "en"],
            member_since=since,
        )
        if created:
            user.profile.skills.set([terms[t] for t in offers if t in terms])
            user.profile.offers.set([terms[t] for t in offers if t in terms])
        Membership.objects.get_or_create(
            user=user,
            space=betacowork,
            defaults={"plan": Membership.Plan.FLEX, "start": since},
        )
        if follows in chapters:
            chapters[follows].followers.add(user)


def _host_memberships() -> None:
    """Generated members whose home is a partner space hold a membership there, as
    Betacowork's do: a space's member count is then the same on every page."""
    hosts = Space.objects.exclude(slug="betacowork")
    held = set(Membership.objects.filter(space__in=hosts).values_list("user_id", "space_id"))
    rows = (
        Profile.objects.filter(user__email__endswith=f"@{GENERATED_DOMAIN}", home_space__in=hosts)
        .order_by("pk")
        .values_list("pk", "user_id", "home_space_id", "member_since")
    )
    missing = [row for row in rows if (row[1], row[2]) not in held]
    Membership.objects.bulk_create(
        Membership(
            user_id=user_id,
            space_id=space_id,
            start=since or date(2026, 1, 1),
            plan=Membership.Plan.FLEX if pk % 2 else Membership.Plan.COMMUNITY,
        )
        for pk, user_id, space_id, since in missing
    )
    # bulk_create sends no signal: rebuild the space and plan facets of these people here.
    profile_search_refresh(profile_ids=[pk for pk, *_ in missing])


def _nearby_followers(chapters: dict[str, Chapter]) -> None:
    """Generated people living near a chapter, or working at its host space, follow it."""
    for plan in CHAPTERS:
        chapter = chapters[plan.slug]
        if not plan.nearby:
            continue
        nearby = (
            User.objects.filter(
                Q(profile__city__in=plan.nearby) | Q(profile__home_space=chapter.space_id),
                email__endswith=f"@{GENERATED_DOMAIN}",
                profile__visibility__in=[Visibility.PUBLIC, Visibility.MEMBERS],
            )
            .order_by("email")
            .values_list("pk", flat=True)[:NEARBY_FOLLOWERS]
        )
        chapter.followers.add(*nearby)


def seed_chapters(world: DemoWorld) -> None:
    chapters = _chapters()
    _diaspora(world, chapters)
    _host_memberships()
    _nearby_followers(chapters)
    world.log(
        f"  chapters: {len(chapters)} chapters, {len(DIASPORA)} members of the diaspora, "
        f"{Chapter.followers.through.objects.count()} follows"
    )
