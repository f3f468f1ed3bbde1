"""The demo world: the community of the two source articles, plus generated members.

Each app adds its part with `register_demo_seeder()` in its AppConfig.ready(); the
`seed_demo` command runs them in order. Every seeder is idempotent: running the command twice
gives the same rows.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.text import slugify

from .models import Company, Membership, Profile, Space, Term, User, Visibility
from .search import profile_search_refresh

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


# Vocabulary: (slug, en, fr, nl, synonyms)
TERMS = [
    ("translation", "translation", "traduction", "vertaling", "translator,traducteur,vertaler"),
    ("web-design", "web design", "conception web", "webdesign", "website,site web,ux"),
    (
        "web-development",
        "web development",
        "développement web",
        "webontwikkeling",
        "developer,développeur,programmeur,django,javascript",
    ),
    (
        "growth-marketing",
        "growth marketing",
        "growth marketing",
        "growth marketing",
        "growth hacking,acquisition",
    ),
    (
        "crowdfunding",
        "crowdfunding",
        "financement participatif",
        "crowdfunding",
        "equity crowdfunding,levée de fonds",
    ),
    ("fundraising", "fundraising", "levée de fonds", "kapitaalwerving", "investment,investors"),
    ("coaching", "coaching", "coaching", "coaching", "mentoring,accompagnement"),
    ("open-data", "open data", "données ouvertes", "open data", "company data,datasets"),
    ("open-source", "open source", "logiciel libre", "open source", "free software,linux"),
    ("copywriting", "copywriting", "rédaction", "copywriting", "content,contenu"),
    ("seo", "SEO", "référencement", "zoekmachineoptimalisatie", "search engine optimisation"),
    (
        "community-management",
        "community management",
        "gestion de communauté",
        "communitybeheer",
        "events,événements",
    ),
    ("accounting", "accounting", "comptabilité", "boekhouding", "bookkeeping,fiscalité"),
    ("legal-advice", "legal advice", "conseil juridique", "juridisch advies", "lawyer,avocat"),
    ("graphic-design", "graphic design", "graphisme", "grafisch ontwerp", "branding,logo"),
    ("photography", "photography", "photographie", "fotografie", "photo,foto"),
    ("mobile-apps", "mobile apps", "applications mobiles", "mobiele apps", "ios,android"),
    (
        "data-science",
        "data science",
        "science des données",
        "datawetenschap",
        "machine learning,analytics",
    ),
    ("ecommerce", "e-commerce", "e-commerce", "e-commerce", "webshop,boutique en ligne"),
    ("sales", "sales", "vente", "verkoop", "business development"),
    ("hr-recruiting", "recruiting", "recrutement", "rekrutering", "hiring,embauche,hr"),
    (
        "project-management",
        "project management",
        "gestion de projet",
        "projectbeheer",
        "agile,scrum",
    ),
    (
        "public-speaking",
        "public speaking",
        "prise de parole",
        "spreken in het openbaar",
        "talks,conférences",
    ),
    ("video", "video production", "production vidéo", "videoproductie", "film,montage"),
    ("cybersecurity", "cybersecurity", "cybersécurité", "cyberbeveiliging", "security"),
    ("ux-research", "UX research", "recherche UX", "UX-onderzoek", "user research,usability"),
    ("home-exchange", "home exchange", "échange de maisons", "huizenruil", "travel,voyage"),
    ("social-media", "social media", "réseaux sociaux", "sociale media", "facebook,linkedin"),
    (
        "funding-advice",
        "funding advice",
        "conseil en financement",
        "financieringsadvies",
        "subsidies,subsides",
    ),
    ("real-estate", "real estate", "immobilier", "vastgoed", "office space"),
]

SPACES = [
    (
        "betacowork",
        "Betacowork",
        "Brussels",
        "Rue de la Science 14, 1040 Etterbeek",
        "",
        "The community coworking of Brussels, home of the weekly Betacooks lunch.",
    ),
    (
        "switch-coworking-charleroi",
        "Switch Coworking",
        "Charleroi",
        "Avenue Georges Lemaître 54, 6041 Gosselies",
        "Cowallonia",
        "Coworking centre of the public Cowallonia network, host of the Switch IT day.",
    ),
    (
        "twelve-kortrijk",
        "Twelve",
        "Kortrijk",
        "Kortrijksesteenweg 12, 8500 Kortrijk",
        "",
        "Coworking centre in Kortrijk run by Jurgen De Smet's company.",
    ),
]

COMPANIES = [
    ("Betacowork", "https://www.betacowork.com", "The coworking space itself."),
    ("BetaGroup", "https://www.betagroup.be", "The web community of about 7,000 members."),
    ("Data.be", "https://data.be", "Company data made readable, founded at Betacowork."),
    ("Madkings", "", "Growth marketing agency in the same building as Betacowork."),
    ("Ayomi", "", "Equity crowdfunding platform."),
    ("Homeexchange", "", "Home-exchange platform."),
    ("WooRank", "", "SEO audit tool founded by Jean Derely."),
    ("Heracles", "", "Business centre in Charleroi."),
    ("Xenophontos Translations", "", "Translation FR/EN/EL and home-exchange blog."),
    ("Pixelwerk", "", "Web design studio run by a Betacowork coworker."),
    ("Schmitt Coaching", "", "Executive and team coaching."),
]

# email, name, company, job, headline, skills, offers, offers_text, seeks, seeks_text,
# space, city, languages, staff
PEOPLE = [
    (
        STAFF_EMAIL,
        "Sofie Peeters",
        "Betacowork",
        "Community manager",
        "I run the space and the Betacooks lunch",
        ["community-management"],
        ["community-management"],
        "Introductions to the right coworker",
        [],
        "",
        "betacowork",
        "Brussels",
        ["nl", "fr", "en"],
        True,
    ),
    (
        "ramon@betacowork.test",
        "Ramon Suarez",
        "Betacowork",
        "Founder",
        "Founder of Betacowork, believer in serendipity",
        ["community-management", "real-estate"],
        ["coaching", "community-management"],
        "Advice on building a coworking community",
        ["real-estate"],
        "A buyer who loves the community as much as I do",
        "betacowork",
        "Brussels",
        ["en", "fr", "es"],
        False,
    ),
    (
        MEMBER_EMAIL,
        "Katia Xenophontos",
        "Xenophontos Translations",
        "Translator",
        "Translator FR↔EN and home-exchange blogger",
        ["translation", "copywriting", "home-exchange"],
        ["translation", "copywriting"],
        "Translation FR↔EN, Greek too",
        ["web-design"],
        "A new design for my home-exchange blog",
        "betacowork",
        "Brussels",
        ["fr", "en", "el"],
        False,
    ),
    (
        "lea@betacowork.test",
        "Léa Dubois",
        "Pixelwerk",
        "Web designer",
        "Web designer who rebuilds sites that deserve better",
        ["web-design", "graphic-design", "ux-research"],
        ["web-design", "graphic-design"],
        "Websites redesigned end to end",
        ["translation"],
        "Someone to translate my portfolio",
        "betacowork",
        "Brussels",
        ["fr", "en"],
        False,
    ),
    (
        "cecil@betacowork.test",
        "Cécil Schmitt",
        "Schmitt Coaching",
        "Coach",
        "Corporate coaching programmes",
        ["coaching", "public-speaking"],
        ["coaching"],
        "Coaching for teams and founders",
        ["sales", "project-management"],
        "A partner to build a company coaching programme",
        "betacowork",
        "Brussels",
        ["fr", "de", "en"],
        False,
    ),
    (
        "jeremie@betacowork.test",
        "Jeremie Marti",  # as the article spells him
        "",
        "Founder",
        "Founder raising funds for his start-up",
        ["ecommerce", "sales"],
        ["sales"],
        "B2B sales experience",
        ["crowdfunding", "fundraising"],
        "Investors for our next round",
        "betacowork",
        "Brussels",
        ["fr", "en"],
        False,
    ),
    (
        "guillaume@betacowork.test",
        "Guillaume Tourniaire",
        "Ayomi",
        "Investment manager",
        "Equity crowdfunding at Ayomi",
        ["crowdfunding", "fundraising"],
        ["crowdfunding", "funding-advice"],
        "Raise funds from your community through Ayomi",
        ["ecommerce"],
        "Start-ups ready to raise",
        "betacowork",
        "Brussels",
        ["fr", "en"],
        False,
    ),
    (
        "toon@betacowork.test",
        "Toon Vanagt",
        "Data.be",
        "Co-founder",
        "Co-founder of Data.be, open data enthusiast",
        ["open-data", "fundraising"],
        ["open-data"],
        "Company data for your sales team",
        ["web-development", "hr-recruiting"],
        "Good web developers",
        "betacowork",
        "Brussels",
        ["nl", "fr", "en"],
        False,
    ),
    (
        "eric@betacowork.test",
        "Eric Rodriguez",
        "Data.be",
        "Co-founder",
        "Co-founder of Data.be",
        ["open-data", "data-science"],
        ["data-science"],
        "Data pipelines and analytics",
        ["web-development"],
        "Suppliers for our platform",
        "betacowork",
        "Brussels",
        ["fr", "en", "es"],
        False,
    ),
    (
        "stan@betacowork.test",
        "Stan Jagiello",
        "Data.be",
        "Web developer",
        "Web developer at Data.be",
        ["web-development", "mobile-apps"],
        ["web-development"],
        "Django and JavaScript development",
        ["public-speaking"],
        "A stage for my first talk",
        "betacowork",
        "Brussels",
        ["en", "pl", "fr"],
        False,
    ),
    (
        "julie@betagroup.test",
        "Julie Foulon",
        "BetaGroup",
        "Director",
        "Director of BetaGroup",
        ["community-management", "public-speaking"],
        ["community-management"],
        "Bringing the web community together across Belgium",
        ["funding-advice"],
        "Partner spaces for regional chapters",
        "betacowork",
        "Brussels",
        ["fr", "en", "nl"],
        False,
    ),
    (
        "jean@woorank.test",
        "Jean Derely",
        "WooRank",
        "Founder",
        "Founder of BetaGroup and WooRank",
        ["seo", "growth-marketing"],
        ["seo"],
        "SEO audits",
        ["fundraising"],
        "",
        "betacowork",
        "Brussels",
        ["fr", "en"],
        False,
    ),
    (
        "adrien@betagroup.test",
        "Adrien Ramy",
        "",
        "Open-source expert",
        "Free software expert from Charleroi",
        ["open-source", "public-speaking"],
        ["open-source", "public-speaking"],
        "Talks and advice on free software",
        ["sales"],
        "",
        "switch-coworking-charleroi",
        "Charleroi",
        ["fr", "en"],
        False,
    ),
    (
        ORGANISER_EMAIL,
        "Norman Lambert",
        "",
        "Web developer",
        "Organiser of the Charleroi chapter",
        ["web-development", "community-management"],
        ["web-development"],
        "Freelance web development",
        ["web-design"],
        "",
        "switch-coworking-charleroi",
        "Charleroi",
        ["fr", "en"],
        False,
    ),
    (
        "anton@betagroup.test",
        "Anton Leclercq",
        "",
        "Product manager",
        "Organiser of the Charleroi chapter",
        ["project-management"],
        ["project-management"],
        "Product and project management",
        ["data-science"],
        "",
        "switch-coworking-charleroi",
        "Charleroi",
        ["fr", "en"],
        False,
    ),
    (
        "philippe@switch.test",
        "Philippe Chevremont",
        "Heracles",
        "Director",
        "Administrator of Switch Coworking, director of Heracles",
        ["real-estate"],
        ["real-estate"],
        "Office space in Charleroi",
        ["community-management"],
        "A web community in Charleroi",
        "switch-coworking-charleroi",
        "Charleroi",
        ["fr"],
        False,
    ),
    (
        "jurgen@twelve.test",
        "Jurgen De Smet",
        "",
        "Entrepreneur",
        "Runs Twelve coworking in Kortrijk",
        ["coaching", "project-management"],
        ["coaching"],
        "Agile coaching",
        ["community-management"],
        "",
        "twelve-kortrijk",
        "Kortrijk",
        ["nl", "en", "fr"],
        False,
    ),
    (
        "growth@madkings.test",
        "Maxime Kings",
        "Madkings",
        "Growth marketer",
        "Growth marketing at Madkings",
        ["growth-marketing", "social-media"],
        ["growth-marketing"],
        "Growth campaigns",
        ["translation"],
        "Translations for our campaigns in French",
        "betacowork",
        "Brussels",
        ["fr", "en"],
        False,
    ),
]

# When the people of the articles joined, where their story needs it (the others: one every
# 97 days from March 2014): Ramon Suarez founded the space, and Data.be "est née au Betacowork"
# in September 2014 (collaborations/demo.py), so its two founders were coworkers by then.
MEMBER_SINCE = {
    "ramon@betacowork.test": date(2013, 3, 1),
    "toon@betacowork.test": date(2014, 4, 7),
    "eric@betacowork.test": date(2014, 5, 12),
}

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


def _seed_core(world: DemoWorld) -> None:
    terms = {}
    for slug, en, fr, nl, syn in TERMS:
        terms[slug], _ = _upsert(
            Term, slug=slug, defaults={"name_en": en, "name_fr": fr, "name_nl": nl, "synonyms": syn}
        )
    spaces = {}
    for slug, name, city, address, network, description in SPACES:
        spaces[slug], _ = _upsert(
            Space,
            slug=slug,
            defaults={
                "name": name,
                "city": city,
                "address": address,
                "network": network,
                "description": description,
            },
        )
    companies = {}
    for name, website, description in COMPANIES:
        companies[name], _ = _upsert(
            Company,
            slug=slugify(name),
            defaults={"name": name, "website": website, "description": description},
        )
    for old, new in LEGACY_EMAILS.items():
        if not User.objects.filter(email=new).exists():
            User.objects.filter(email=old).update(email=new)
            EmailAddress.objects.filter(email=old).update(email=new)
    since = date(2014, 3, 1)
    for i, row in enumerate(PEOPLE):
        (
            email,
            name,
            company,
            job,
            headline,
            skills,
            offers,
            offers_text,
            seeks,
            seeks_text,
            space,
            city,
            languages,
            staff,
        ) = row
        user, user_created = User.objects.get_or_create(
            email=email,
            defaults={
                "name": name,
                "password": world.password_hash,
                "is_staff": staff,
                "is_superuser": staff,
                "preferred_language": languages[0] if languages[0] in ("en", "fr", "nl") else "en",
            },
        )
        if user.name != name:  # a name an older demo misspelt
            user.name = name
            user.save(update_fields=["name"])
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        profile = user.profile
        profile.display_name = name
        profile.headline = headline
        profile.job_title = job
        profile.company = companies.get(company)
        profile.offers_text = offers_text
        profile.seeks_text = seeks_text
        profile.home_space = spaces[space]
        profile.city = city
        profile.region = {
            "Brussels": "Brussels",
            "Charleroi": "Hainaut",
            "Kortrijk": "West Flanders",
        }[city]
        profile.languages = languages
        profile.visibility = Visibility.PUBLIC if i % 3 else Visibility.MEMBERS
        profile.email_visibility = Visibility.MEMBERS
        if email in MEMBER_SINCE:
            profile.member_since = MEMBER_SINCE[email]
        elif user_created:
            profile.member_since = since + timedelta(days=97 * i)
        # Otherwise as seeded before: a story may have moved it (collaborations/demo.py,
        # `joined_after`), and seeding again must change nothing.
        profile.bio = f"{headline}. {offers_text}."
        profile.save()
        profile.skills.set([terms[s] for s in skills])
        profile.offers.set([terms[s] for s in offers])
        profile.seeks.set([terms[s] for s in seeks])
        membership, created = Membership.objects.get_or_create(
            user=user,
            space=spaces[space],
            defaults={
                "plan": Membership.Plan.RESIDENT if i % 2 else Membership.Plan.FLEX,
                "start": profile.member_since,
            },
        )
        if not created and email in MEMBER_SINCE and membership.start != profile.member_since:
            # Seeded by an older demo, before the story's dates were set.
            Membership.objects.filter(pk=membership.pk).update(start=profile.member_since)
    world.log(
        f"  core: {len(TERMS)} terms, {len(SPACES)} spaces, {len(COMPANIES)} companies, "
        f"{len(PEOPLE)} named people"
    )


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


def _seed_chapters(world: DemoWorld) -> None:
    from .demo_chapters import seed_chapters  # its own module; it imports this one

    seed_chapters(world)


register_demo_seeder(order=10, name="members: spaces, companies, people", seed=_seed_core)
register_demo_seeder(order=20, name="members: generated members", seed=_seed_generated)
register_demo_seeder(
    order=25, name="members: regional chapters, their diaspora and followers", seed=_seed_chapters
)


def new_world(*, members: int, log: Callable[[str], None]) -> DemoWorld:
    return DemoWorld(
        members=members,
        rng=random.Random(2026),
        log=log,
        password_hash=make_password(DEMO_PASSWORD),
    )
