"""The article's stories: who did what with whom, and when."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

from members.demo import GENERATED_DOMAIN, MEMBER_EMAIL, ORGANISER_EMAIL
from members.models import Company, User

from ..models import Collaboration
from .rows import (
    K,
    Origin,
    R,
    S,
    V,
    _attendees,
    _ensure_attended,
    _member_from,
    _past_events,
    _write,
)


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
    Story(
        "Investor deck translated for Ayomi",
        MEMBER_EMAIL,
        R.SUPPLIER,
        K.SERVICE,
        date(2026, 11, 12),
        [("company:Ayomi", R.CLIENT)],
        status=S.PROPOSED,
        visibility=V.MEMBERS,
        value=900,
        description="Katia translated Ayomi's investor deck into Dutch; no member speaks for "
        "Ayomi, so it waits for staff to verify (the staff queue).",
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
