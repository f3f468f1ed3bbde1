"""The core of the demo world: the vocabulary, the spaces, the companies and the named people."""

from __future__ import annotations

from datetime import date, timedelta

from allauth.account.models import EmailAddress
from django.utils.text import slugify

from ..models import Company, Membership, Space, Term, User, Visibility
from .people import MEMBER_SINCE, PEOPLE
from .world import LEGACY_EMAILS, DemoWorld, _upsert

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
        # Otherwise as seeded before: a story may have moved it
        # (collaborations/demo/stories.py, `joined_after`), and seeding again must change nothing.
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
