"""The collaborations part of the demo world: the article's stories, plus generated ones.

Rows are written directly (not through the services) so seeding sends no email; each
collaboration is keyed on its title, so running the seeder twice changes nothing (generated ones
also recognise the "(#n)" titles older versions gave them, and rename those). Past
events come from the events seeder (order 30): the stories that began at a Betacooks or a
Speed Networking find them by kind and date, and the story's author gets a check-in there
only if the events seeder did not give them one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from events.models import Event, Registration
from members.demo import GENERATED_DOMAIN, MEMBER_EMAIL, ORGANISER_EMAIL, STAFF_EMAIL
from members.models import Chapter, Company, Membership, Profile, User, Visibility

from .models import Collaboration, CollaborationHistory, Participant

K = Collaboration.Kind
R = Participant.Role
Origin = Collaboration.Origin
V = Collaboration.Visibility
S = Collaboration.Status


@dataclass
class Story:
    title: str
    author: str  # email
    author_role: str
    kind: str
    start: date | None  # None: a few days after the origin event
    others: list[tuple[str, str]]  # ("email" | "company:Name" | "org:Name", role)
    origin: str = Origin.SPACE
    event_kind: str = ""  # "betacooks", "speed-networking", "it-day": the event it began at
    event_index: int = 0  # 0 = the oldest past event of that kind
    introducer: str = ""
    value: int | None = None
    visibility: str = V.PUBLIC
    status: str = S.CONFIRMED
    description: str = ""
    pending_for: list[str] = field(default_factory=list)  # emails still to confirm
    # Parties who joined Betacowork because of it: their membership starts when it began.
    joined_after: tuple[str, ...] = ()
    # What earlier versions seeded, renamed in a database seeded by them (not duplicated); a
    # description is replaced only if it still reads as seeded.
    former_titles: tuple[str, ...] = ()
    former_descriptions: tuple[str, ...] = ()


STORIES = [
    Story(
        "Data.be founded at Betacowork",
        "toon@betacowork.test",
        R.PARTNER,
        K.PARTNERSHIP,
        date(2014, 9, 15),
        [("eric@betacowork.test", R.PARTNER)],
        description="Toon Vanagt and Eric Rodriguez start Data.be at Betacowork: company data "
        "made readable.",
    ),
    Story(
        "Redesign of Katia's home-exchange blog",
        MEMBER_EMAIL,
        R.CLIENT,
        K.SERVICE,
        date(2016, 4, 4),
        [("lea@betacowork.test", R.SUPPLIER)],
        description="A coworker saw what the blog could become and rebuilt it end to end.",
    ),
    Story(
        "Homeexchange's French-speaking market",
        MEMBER_EMAIL,
        R.SUPPLIER,
        K.CLIENT_SUPPLIER,
        date(2017, 2, 1),
        [("company:Homeexchange", R.CLIENT)],
        origin=Origin.OTHER,
        description="After seeing the redesigned blog, Homeexchange asked Katia to run its "
        "French-speaking market.",
    ),
    Story(
        "Translations for Madkings",
        MEMBER_EMAIL,
        R.SUPPLIER,
        K.SERVICE,
        date(2018, 5, 14),
        [("growth@madkings.test", R.CLIENT)],
        description="Growth-marketing campaigns translated into French, for the agency in the "
        "same building.",
    ),
    Story(
        "Buyout of Betacowork",
        "toon@betacowork.test",
        R.BUYER,
        K.ACQUISITION,
        date(2019, 6, 1),
        [("eric@betacowork.test", R.BUYER), ("ramon@betacowork.test", R.SELLER)],
        description="Ramon Suarez puts Betacowork up for sale; two of its own coworkers, "
        "the founders of Data.be, buy it.",
    ),
    Story(
        "€100,000 raised through Ayomi",
        "jeremie@betacowork.test",
        R.CLIENT,
        K.INVESTMENT,
        None,
        [("guillaume@betacowork.test", R.SUPPLIER), ("company:Ayomi", R.INVESTOR)],
        origin=Origin.EVENT,
        event_kind="betacooks",
        event_index=0,
        value=100_000,
        # Guillaume's profile is for members only: a public story does not name him.
        description="Met the Ayomi team over a Betacooks lunch; the equity crowdfunding round "
        "raised €100,000.",
        former_descriptions=(
            "Met Guillaume Tourniaire of Ayomi over a Betacooks lunch; the equity "
            "crowdfunding round raised €100,000.",
        ),
    ),
    Story(
        "Data.be hires a web developer",  # Stan's profile is for members only
        "toon@betacowork.test",
        R.EMPLOYER,
        K.HIRE,
        None,
        [("stan@betacowork.test", R.HIRE)],
        origin=Origin.EVENT,
        event_kind="betacooks",
        event_index=1,
        description="On a coworker's advice at a Betacooks, Data.be hired a web developer who "
        "then became a member.",
        joined_after=("stan@betacowork.test",),
        former_titles=("Data.be hires Stan Jagiello",),
        former_descriptions=(
            "On a coworker's advice at a Betacooks, Data.be hired Stan, a web "
            "developer who then became a member.",
        ),
    ),
    Story(
        "Corporate coaching programme",
        "cecil@betacowork.test",
        R.PARTNER,
        K.PARTNERSHIP,
        None,
        [("attendee:speed-networking", R.PARTNER)],
        origin=Origin.EVENT,
        event_kind="speed-networking",
        description="Met at a Speed Networking evening; now building a coaching programme for "
        "companies together.",
    ),
    Story(
        "Portfolio translated into English",
        "lea@betacowork.test",
        R.CLIENT,
        K.SERVICE,
        date(2026, 10, 20),
        [(MEMBER_EMAIL, R.SUPPLIER)],
        status=S.PROPOSED,
        visibility=V.MEMBERS,
        pending_for=[MEMBER_EMAIL],
        description="Léa's portfolio, translated by Katia (waiting for Katia's confirmation).",
    ),
    # Born at BetaGroup Charleroi's Switch IT days (the chapter's report: business per euro).
    Story(
        "New website for the Heracles business centre",
        "philippe@switch.test",
        R.CLIENT,
        K.SERVICE,
        None,
        [(ORGANISER_EMAIL, R.SUPPLIER)],
        origin=Origin.EVENT,
        event_kind="it-day",
        event_index=0,
        value=3_500,
        # Philippe's profile is for members only: a public story does not name him.
        description="Met at the first Switch IT day: Norman Lambert rebuilt the website of the "
        "Heracles business centre.",
        former_descriptions=(
            "Philippe Chevremont met Norman Lambert at the first Switch IT day; "
            "Norman rebuilt the website of Heracles, the business centre Philippe runs.",
        ),
    ),
    Story(
        "Mobile app subcontracted to a Charleroi developer",
        ORGANISER_EMAIL,
        R.CLIENT,
        K.SUBCONTRACTING,
        None,
        [("attendee:it-day", R.SUPPLIER)],
        origin=Origin.EVENT,
        event_kind="it-day",
        event_index=1,
        value=1_800,
        description="Met at a Switch IT day: the mobile part of one of Norman's projects now "
        "goes to a developer from Charleroi instead of an agency in Brussels.",
    ),
]

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


def _past_events(kind: str) -> list[Event]:
    return list(
        Event.objects.filter(
            kind__slug=kind, status=Event.Status.PUBLISHED, end__lt=timezone.now()
        ).order_by("start", "pk")
    )


def _ensure_attended(event: Event, user: User) -> None:
    """A check-in for `user` at `event`, unless they already have a seat there."""
    seats = Registration.objects.filter(event=event, user=user)
    if seats.filter(status=Registration.Status.CONFIRMED).exists():
        return
    if seats.exclude(status=Registration.Status.CANCELLED).exists():
        seats.exclude(status=Registration.Status.CANCELLED).update(
            checked_in_at=event.start + timedelta(minutes=5)
        )
        return
    Registration.objects.create(
        event=event,
        user=user,
        name=user.name,
        email=user.email,
        language=user.preferred_language,
        status=Registration.Status.CONFIRMED,
        created_at=event.start - timedelta(days=3),
        confirmed_at=event.start - timedelta(days=3),
        checked_in_at=event.start + timedelta(minutes=5),
    )


def _attendees(event: Event, exclude: set[int]) -> list[User]:
    return list(
        User.objects.filter(
            event_registrations__event=event,
            event_registrations__status=Registration.Status.CONFIRMED,
        )
        .exclude(pk__in=exclude)
        .order_by("email")
        .distinct()
    )


def _write(
    *,
    title: str,
    author: User,
    author_role: str,
    kind: str,
    start: date,
    parties: list[tuple[object, str]],
    origin: str,
    event: Event | None,
    introducer: User | None,
    value,
    visibility: str,
    status: str,
    description: str,
    pending_users: set[int],
    staff: User | None,
    generated: int | None = None,
) -> bool:
    if Collaboration.objects.filter(title=title).exists():
        return False
    # Logged and confirmed a week after it began (or today): the home page lists the latest
    # confirmed first, and a whole demo confirmed at the same instant had no "latest".
    now = min(
        timezone.make_aware(datetime.combine(start + timedelta(days=7), time(12, 0))),
        timezone.now(),
    )
    space = event.space if event else getattr(author.profile, "home_space", None)
    # As the service does: an event's chapter, or the chapter its space hosts.
    chapter = event.chapter if event else Chapter.objects.filter(space=space).first()
    collab = Collaboration.objects.create(
        title=title,
        kind=kind,
        description=description,
        start_date=start,
        value_eur=Decimal(value) if value is not None else None,
        origin_type=origin,
        origin_event=event,
        introduced_by=introducer,
        space=space,
        chapter=chapter,
        visibility=visibility,
        status=status,
        author=author,
        author_name=author.name,
        confirmed_at=now if status == S.CONFIRMED else None,
    )
    rows = [
        Participant(
            collaboration=collab,
            user=author,
            company=author.profile.company if hasattr(author, "profile") else None,
            name=author.name,
            role=author_role,
            state=Participant.State.CONFIRMED,
            confirmed_at=now,
        )
    ]
    for party, role in parties:
        if isinstance(party, User):
            pending = party.pk in pending_users or status == S.PROPOSED
            declined = status == S.DECLINED
            state = (
                Participant.State.DECLINED
                if declined
                else Participant.State.PENDING
                if pending
                else Participant.State.CONFIRMED
            )
            rows.append(
                Participant(
                    collaboration=collab,
                    user=party,
                    company=party.profile.company if hasattr(party, "profile") else None,
                    name=party.name,
                    role=role,
                    state=state,
                    confirmed_at=now if state == Participant.State.CONFIRMED else None,
                )
            )
        else:
            company = party if isinstance(party, Company) else None
            confirmed = status == S.CONFIRMED
            rows.append(
                Participant(
                    collaboration=collab,
                    company=company,
                    organisation="" if company else str(party),
                    name=company.name if company else str(party),
                    role=role,
                    state=Participant.State.CONFIRMED if confirmed else Participant.State.PENDING,
                    confirmed_at=now if confirmed else None,
                    verified_by=staff if confirmed else None,
                )
            )
    Participant.objects.bulk_create(rows)
    entries = [
        CollaborationHistory(
            collaboration=collab,
            actor=author,
            actor_name=author.name,
            action=CollaborationHistory.Action.CREATED,
            changes={"seeded": True}
            if generated is None
            else {"seeded": True, "generated": generated},
        )
    ]
    if status != S.PROPOSED:
        entries.append(
            CollaborationHistory(
                collaboration=collab,
                actor=None,
                actor_name="",
                action=CollaborationHistory.Action.STATUS,
                changes={"status": [S.PROPOSED, status]},
            )
        )
    CollaborationHistory.objects.bulk_create(entries)
    Collaboration.objects.filter(pk=collab.pk).update(created_at=now, updated_at=now)
    CollaborationHistory.objects.filter(collaboration=collab).update(created_at=now)
    return True


def _story_rename(story: Story) -> None:
    """A row an earlier version seeded for `story` takes its current title and description."""
    if not (story.former_titles or story.former_descriptions):
        return
    rows = Collaboration.objects.filter(title__in=[story.title, *story.former_titles])
    rows.filter(description__in=story.former_descriptions).update(description=story.description)
    if not Collaboration.objects.filter(title=story.title).exists():
        rows.filter(title__in=story.former_titles).update(title=story.title)


def _stories(world, users: dict[str, User], staff: User | None) -> int:
    made = 0
    today = timezone.localdate()
    for story in STORIES:
        _story_rename(story)
        author = users.get(story.author)
        if author is None:
            continue
        event = None
        origin = story.origin
        if story.event_kind:
            events = _past_events(story.event_kind)
            if events:
                event = events[min(story.event_index, len(events) - 1)]
                _ensure_attended(event, author)
            else:
                origin = Origin.SPACE  # no past event of that kind in this world
        start = story.start or (
            min(timezone.localdate(event.start) + timedelta(days=9), today) if event else today
        )
        parties = []
        for who, role in story.others:
            if who.startswith("company:"):
                company = Company.objects.filter(name=who.split(":", 1)[1]).first()
                if company:
                    parties.append((company, role))
            elif who.startswith("attendee:"):
                # The article does not name Cécil's partner: someone else who was there.
                met = _attendees(event, {author.pk}) if event is not None else []
                pool = [u for u in met if u.email.endswith(GENERATED_DOMAIN)] or met
                pool = pool or list(
                    User.objects.filter(email__endswith=f"@{GENERATED_DOMAIN}").order_by("email")[
                        :1
                    ]
                )
                if pool:
                    parties.append((pool[0], role))
            elif who in users:
                parties.append((users[who], role))
        if not parties:
            continue
        made += _write(
            title=story.title,
            author=author,
            author_role=story.author_role,
            kind=story.kind,
            start=start,
            parties=parties,
            origin=origin,
            event=event,
            introducer=users.get(story.introducer),
            value=story.value,
            visibility=story.visibility,
            status=story.status,
            description=story.description,
            pending_users={users[e].pk for e in story.pending_for if e in users},
            staff=staff,
        )
        began = (
            Collaboration.objects.filter(title=story.title).values_list("start_date", flat=True)
        ).first()
        for email in story.joined_after:
            if email in users and began is not None:
                _member_from(users[email], began)
    return made


def _member_from(user: User, day: date) -> None:
    """`user` became a member on `day` (the members seeder dates everyone from 2014)."""
    Profile.objects.filter(user=user, member_since__lt=day).update(member_since=day)
    Membership.objects.filter(user=user, start__lt=day).update(start=day)


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
    from .services import summary_rebuild

    summary_rebuild()
    confirmed = Collaboration.objects.confirmed().count()
    world.log(
        f"  collaborations: {stories} stories and {generated} generated added; "
        f"{Collaboration.objects.count()} in all, {confirmed} confirmed"
    )
