"""The directory: search (indexed on Postgres), filters, sorting, paging, bad input, queries."""

import re
from datetime import date, timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.directory.cache import directory_invalidate
from members.models import Company, Membership, Profile, Term
from members.search import fold, query_words
from tests.factories import MembershipFactory, SpaceFactory, UserFactory, make_member

URL = reverse("members:directory")


def names(response) -> list[str]:
    """The names on the page, in order (the results may come from the cache)."""
    return re.findall(r"<h3>([^<]+)</h3>", response.content.decode())


def shown_total(response) -> int:
    """The total as the page says it ("31 members"; the results may be kept markup, with no
    template rendered for them)."""
    count = re.search(r"data-directory-count>\s*([\d,]+) members?\b", response.content.decode())
    return int(count[1].replace(",", ""))


@pytest.fixture
def people(db, vocab):
    katia = make_member(
        "Katia Xenophontos",
        visibility="public",
        skills=[vocab["translation"]],
        offers=[vocab["translation"]],
        seeks=[vocab["web-design"]],
        company="Xenophontos Translations",
        headline="Translator and home-exchange blogger",
        city="Brussels",
        region="Brussels",
        languages=["fr", "en", "el"],
        member_since=date.today() - timedelta(days=10),
    )
    guillaume = make_member(
        "Guillaume Tourniaire",
        visibility="members",
        offers=[vocab["crowdfunding"]],
        company="Ayomi",
        city="Charleroi",
        region="Hainaut",
        languages=["fr"],
        member_since=date.today() - timedelta(days=1000),
    )
    stan = make_member(
        "Stan Jagiello",
        visibility="members",
        skills=[vocab["seo"]],
        bio="Django développeur",
        city="Brussels",
        languages=["pl", "en"],
        member_since=date.today() - timedelta(days=400),
    )
    return {"katia": katia, "guillaume": guillaume, "stan": stan}


@pytest.fixture
def member_client(client, db):
    client.force_login(UserFactory(name="Viewer Person"))
    return client


def test_fold_and_words():
    assert fold("Développeur  WEB-design!") == "developpeur web design"
    assert query_words("a b a " + "c " * 20) == ["a", "b", "c"]
    assert query_words("') & | ! :* <->") == []


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("translation", ["Katia Xenophontos"]),
        ("traduction", ["Katia Xenophontos"]),  # French name of the term
        ("vertaling", ["Katia Xenophontos"]),  # Dutch
        ("traducteur", ["Katia Xenophontos"]),  # a synonym
        ("crowdfunding", ["Guillaume Tourniaire"]),  # an offer
        ("financement participatif", ["Guillaume Tourniaire"]),
        ("ayomi", ["Guillaume Tourniaire"]),  # the company
        ("developpeur", ["Stan Jagiello"]),  # bio, accents folded
        ("référencement", ["Stan Jagiello"]),
        ("katia translator", ["Katia Xenophontos"]),  # every word must match
        ("katia crowdfunding", []),
    ],
)
def test_search_finds_by_skill_offer_company_in_three_languages(member_client, people, q, expected):
    response = member_client.get(URL, {"q": q})
    assert response.status_code == 200
    assert names(response) == expected


@pytest.mark.postgres
def test_search_is_prefix_matching_and_uses_the_gin_index(member_client, member, people):
    from django.http import QueryDict

    from members.selectors import (
        directory_choices,
        directory_options,
        directory_parse,
        directory_search_sql,
    )

    assert names(member_client.get(URL, {"q": "trad"})) == ["Katia Xenophontos"]
    assert names(member_client.get(URL, {"q": "crowdf"})) == ["Guillaume Tourniaire"]
    viewer = member
    options = {**directory_options(user=viewer), **directory_choices()}
    for params in ("q=trad", "skill=translation", "q=katia&offers=translation&language=fr"):
        query = directory_parse(QueryDict(params), options=options)
        sql, args = directory_search_sql(user=viewer, query=query, term_index=options["term_words"])
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, {**args, "limit": 24, "offset": 0})
            plan = "\n".join(row[0] for row in cursor.fetchall())
            cursor.execute("SET enable_seqscan = on")
        assert "Bitmap Index Scan on members_profilesearch_gin" in plan, (params, plan)


@pytest.mark.postgres
def test_relevance_puts_name_matches_first(member_client, people, vocab):
    make_member("Anna Katiasson", visibility="members")  # name match
    make_member("Bob Builder", visibility="members", bio="Worked with katia once")
    response = member_client.get(URL, {"q": "katia"})
    assert response.context["query"].sort == "relevance"
    found = names(response)
    assert set(found[:2]) == {"Katia Xenophontos", "Anna Katiasson"}  # names weigh most
    assert found[-1] == "Bob Builder"  # a bio mention comes last


def test_filters(member_client, people, vocab):
    space = SpaceFactory(name="Switch Coworking", slug="switch", city="Charleroi")
    people["guillaume"].home_space = space
    people["guillaume"].save()
    MembershipFactory(user=people["stan"].user, plan=Membership.Plan.RESIDENT)
    cases = [
        ({"skill": "translation"}, ["Katia Xenophontos"]),
        ({"offers": "crowdfunding"}, ["Guillaume Tourniaire"]),
        ({"seeks": "web-design"}, ["Katia Xenophontos"]),
        ({"space": "switch"}, ["Guillaume Tourniaire"]),
        ({"place": "hainaut"}, ["Guillaume Tourniaire"]),
        ({"place": "Brussels"}, ["Katia Xenophontos", "Stan Jagiello"]),
        ({"language": "pl"}, ["Stan Jagiello"]),
        ({"language": "fr"}, ["Guillaume Tourniaire", "Katia Xenophontos"]),
        ({"plan": "resident"}, ["Stan Jagiello"]),
        ({"joined": "30"}, ["Katia Xenophontos", "Viewer Person"]),  # the viewer just joined
        ({"joined": "30", "q": "crowdfunding"}, []),
    ]
    for params, expected in cases:
        response = member_client.get(URL, params)
        assert response.status_code == 200
        assert names(response) == expected, params


def test_sorting(member_client, people):
    by_name = names(member_client.get(URL))
    assert by_name == sorted(by_name)
    recent = names(member_client.get(URL, {"sort": "recent"}))
    # The viewer signed up today: a member since today, so the newest.
    assert recent[:4] == [
        "Viewer Person",
        "Katia Xenophontos",
        "Stan Jagiello",
        "Guillaume Tourniaire",
    ]


@pytest.mark.parametrize(
    ("params", "notice"),
    [
        ({"skill": "underwater-basket-weaving"}, "There is no skill called"),
        ({"offers": "<script>"}, "There is no offer called"),
        ({"space": "mars"}, "There is no space called"),
        ({"language": "klingon"}, "Unknown language"),
        ({"plan": "platinum"}, "Unknown plan"),
        ({"joined": "7"}, "“Joined” must be"),
        ({"sort": "random"}, "Unknown sort order"),
        ({"page": "abc"}, "is not a page number"),
        ({"page": "-3"}, "is not a page number"),
        ({"page": "99999999999999999999"}, "is not a page number"),
        ({"q": "x" * 10_000}, "cut to its first 200 characters"),
        ({"q": " ".join(f"w{n}" for n in range(30))}, "Only the first 8 words"),
        ({"place": "p" * 500}, "too long"),
    ],
)
def test_bad_input_gives_a_notice_never_an_error(member_client, people, params, notice):
    response = member_client.get(URL, params)
    assert response.status_code == 200
    assert notice in response.content.decode()


@pytest.mark.parametrize("page", ["20000", "999999", "10001"])
@pytest.mark.parametrize("params", [{}, {"q": "person"}], ids=["whole list", "search"])
def test_a_page_number_past_the_deepest_page_says_it_shows_the_last(
    member_client, db, page, params
):
    """Numbers above the deepest page served (10,000) were taken as "last" in silence."""
    for n in range(30):
        make_member(f"Person {n:02d}", visibility="members")
    response = member_client.get(URL, {**params, "page": page})
    assert response.status_code == 200
    assert response.context["page_obj"].number == 2
    assert "There are only 2 pages: showing the last one." in response.content.decode()
    last = member_client.get(URL, {**params, "page": "last"})  # asked for: no notice
    assert last.context["page_obj"].number == 2
    assert "There are only" not in last.content.decode()


def test_absurd_page_number_shows_the_last_page(member_client, db):
    for n in range(30):
        make_member(f"Person {n:02d}", visibility="members")
    response = member_client.get(URL, {"page": "500"})
    assert response.status_code == 200
    assert response.context["page_obj"].number == 2
    assert "showing the last one" in response.content.decode()
    assert member_client.get(URL, {"page": "2"}).context["page_obj"].number == 2
    # A filtered list: the last page too; and when nothing matches, the empty first page.
    response = member_client.get(URL, {"q": "person", "page": "500"})
    assert response.context["page_obj"].number == 2
    total = response.context["page_obj"].paginator.count
    assert total >= 30
    assert len(response.context["profiles"]) == total - 24
    response = member_client.get(URL, {"q": "nobodyatall", "page": "7"})
    assert response.status_code == 200
    assert response.context["page_obj"].number == 1
    assert "Nobody matches" in response.content.decode()


@pytest.mark.parametrize("sort", ["", "recent", "name"])
def test_search_pages_count_and_order_whichever_way_the_total_is_counted(
    member_client, db, vocab, sort
):
    """Ranked and newest-first lists count in the page's own query, name order separately:
    both give the full total, the right slice, and the last page for a page past the end."""
    for n in range(30):
        make_member(
            f"Pager {n:02d}",
            visibility="members",
            skills=[vocab["seo"]],
            member_since=date.today() - timedelta(days=n),
        )
    make_member("Hidden Pager", visibility="hidden", skills=[vocab["seo"]])
    params = {"q": "pager", "sort": sort}
    first = member_client.get(URL, params)
    second = member_client.get(URL, {**params, "page": "2"})
    assert "30 members" in first.content.decode()
    assert len(names(first)) == 24
    assert len(names(second)) == 6
    everyone = names(first) + names(second)
    assert sorted(everyone) == [f"Pager {n:02d}" for n in range(30)]
    if sort == "recent":
        assert everyone == [f"Pager {n:02d}" for n in range(30)]
    past_end = member_client.get(URL, {**params, "page": "7"})
    assert past_end.context["page_obj"].number == 2
    assert names(past_end) == names(second)
    assert "showing the last one" in past_end.content.decode()
    filtered = member_client.get(URL, {"skill": "seo", "sort": sort or "recent", "page": "2"})
    assert "30 members" in filtered.content.decode()
    assert len(names(filtered)) == 6


@pytest.mark.parametrize("cache_seconds", [0, 120])
def test_filter_choices_follow_new_terms_and_spaces_at_once(
    member_client, people, settings, cache_seconds
):
    """The choice lists are kept between requests even with the results cache off."""
    settings.DIRECTORY_CACHE_SECONDS = cache_seconds
    html = member_client.get(URL).content.decode()
    assert "podcasting" not in html
    assert "Mons Hub" not in html
    Term.objects.create(slug="podcasting", name_en="podcasting", status="approved")
    SpaceFactory(name="Mons Hub", slug="mons-hub", city="Mons")
    html = member_client.get(URL, {"skill": "podcasting"}).content.decode()
    assert '<option value="podcasting" selected>podcasting</option>' in html
    assert "Mons Hub (Mons)" in html
    assert "There is no skill" not in html


def test_fragment_for_as_you_type_and_shareable_links(member_client, people):
    response = member_client.get(URL, {"q": "trad"}, HTTP_X_REQUESTED_WITH="fetch")
    html = response.content.decode()
    assert "<html" not in html  # only the results
    assert "directory-count" in html
    assert "X-Requested-With" in response["Vary"]
    full = member_client.get(URL, {"q": "trad", "skill": "translation"}).content.decode()
    assert 'value="trad"' in full
    assert '<option value="translation" selected>' in full


def test_the_kept_form_shows_each_requests_own_values(member_client, people, vocab, settings):
    """The form's markup is kept per language (and staff flag) for the directory's version;
    every request puts in its own search, place and choices, escaped."""
    settings.DIRECTORY_CACHE_SECONDS = 0
    first = member_client.get(URL, {"q": "trad", "skill": "translation", "plan": "flex"})
    html = first.content.decode()
    assert 'value="trad"' in html
    assert '<option value="translation" selected>' in html
    assert '<option value="flex" selected>' in html
    second = member_client.get(URL, {"q": '"><b>x&', "place": "Liège", "language": "fr"})
    html = second.content.decode()
    assert 'value="&quot;&gt;&lt;b&gt;x&amp;"' in html
    assert 'value="Liège"' in html
    assert '<option value="fr" selected>' in html
    assert '<option value="translation" selected>' not in html  # the first request's
    assert '<option value="flex" selected>' not in html
    assert "<b>x" not in html
    member_client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert "Toutes les compétences" in member_client.get(URL).content.decode()


def test_a_stand_in_in_a_search_is_shown_as_typed(db):
    """The kept form's stand-ins are filled in one pass: a search that spells one (requests
    refuse NUL characters, but a caller of `form_html` might not) is not filled again."""
    from members.directory import directory_query
    from members.views.directory import _filter_choices, form_html

    query = directory_query(params={"q": "\x00results\x00"})
    html = form_html(
        query, _filter_choices(query.options), staff_tools=False, results_html="<p>R</p>"
    )
    assert html.count("<p>R</p>") == 1
    assert 'value="\x00results\x00"' in html


def test_proposed_terms_are_not_offered_as_filters(member_client, people):
    Term.objects.create(slug="secret-sauce", name_en="secret sauce", status="proposed")
    html = member_client.get(URL).content.decode()
    assert "secret-sauce" not in html


def _queries(client, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL, params or {}).status_code == 200
    return len(ctx)


@pytest.mark.parametrize("cache_seconds", [0, 120])
def test_directory_query_count_is_the_same_for_1_and_30_results(
    member_client, vocab, settings, cache_seconds
):
    """Uncached (cache off, or the first request after a change) and cached alike."""
    settings.DIRECTORY_CACHE_SECONDS = cache_seconds
    company = Company.objects.create(name="Acme", slug="acme")
    make_member("Only One", visibility="members", skills=[vocab["seo"]], company=company)
    member_client.get(URL)  # warm up (session, content types…)
    directory_invalidate()
    one = [_queries(member_client, {"q": "only"}), _queries(member_client, {"q": "only"})]
    one_list = [_queries(member_client), _queries(member_client)]
    for n in range(29):
        make_member(
            f"Many {n}",
            visibility="members",
            skills=[vocab["seo"], vocab["coaching"]],
            offers=[vocab["translation"]],
            company=company,
            headline="many",
        )
    many = [_queries(member_client, {"q": "many"}), _queries(member_client, {"q": "many"})]
    many_list = [_queries(member_client), _queries(member_client)]
    assert many == one
    assert many_list == one_list
    response = member_client.get(URL, HTTP_X_REQUESTED_WITH="fetch")
    assert response.content.decode().count('class="card member-card"') == 24  # page 1 of 31
    if cache_seconds:
        assert one[1] < one[0]  # the second identical request is served from the cache


def test_cached_results_follow_changes_at_once(member_client, people, vocab):
    assert names_in(member_client.get(URL, {"q": "crowdfunding"})) == ["Guillaume Tourniaire"]
    newcomer = make_member("Zoe Newcomer", visibility="members", offers=[vocab["crowdfunding"]])
    found = names_in(member_client.get(URL, {"q": "crowdfunding"}))
    assert found == ["Guillaume Tourniaire", "Zoe Newcomer"]
    newcomer.visibility = "hidden"
    newcomer.save()
    assert names_in(member_client.get(URL, {"q": "crowdfunding"})) == ["Guillaume Tourniaire"]
    # Anonymous visitors never get the members' cached list.
    member_client.logout()
    assert names_in(member_client.get(URL, {"q": "crowdfunding"})) == []


def names_in(response) -> list[str]:
    html = response.content.decode()
    return re.findall(r"<h3>([^<]+)</h3>", html)


def test_card_shows_avatar_initials_skills_offers_and_company(member_client, people):
    html = member_client.get(URL, {"q": "katia"}).content.decode()
    assert "KX" in html  # initials when there is no picture
    assert "Xenophontos Translations" in html
    assert "translation" in html


def test_unfiltered_total_follows_new_and_hidden_members(member_client, people, settings):
    """The unfiltered total is kept per directory version: every change that moves it bumps
    the version."""
    settings.DIRECTORY_CACHE_SECONDS = 0  # the rendered results are not under test here

    def total():
        return shown_total(member_client.get(URL))

    before = total()
    assert total() == before  # the second time from what was kept
    newcomer = make_member("New Person", visibility="members")
    assert total() == before + 1
    newcomer.visibility = "hidden"
    newcomer.save()
    assert total() == before
    newcomer.visibility = "public"
    newcomer.save()
    newcomer.user.delete()
    assert total() == before


def _total(client, **params) -> int:
    return shown_total(client.get(URL, params))


@pytest.mark.postgres
def test_a_filtered_count_is_kept_per_version_and_viewer_class(
    member_client, people, vocab, settings
):
    """A filtered list is counted once per directory version and viewer class, then every
    order and page of it reuses the count; a change is counted at once, and each class
    counts what it may see."""
    settings.DIRECTORY_CACHE_SECONDS = 0  # the rendered results are not under test here
    settings.PREPARED_STATEMENTS = False  # the statements' text, for the capture below
    assert _total(member_client, skill="seo") == 1  # Stan, members only
    with CaptureQueriesContext(connection) as queries:
        assert _total(member_client, skill="seo", sort="recent") == 1
        assert _total(member_client, skill="seo", page="2") == 1
    searches = [q["sql"] for q in queries if "members_profilesearch" in q["sql"]]
    assert len(searches) == 3  # page 2 of one page: read, then the first page shown
    assert not any("count(" in sql for sql in searches)  # not counted again
    # and only the branch the kept count chooses is in the statement (no CASE on the count)
    assert not any("counted.n <=" in sql for sql in searches)
    assert _total(Client(), skill="seo") == 0  # anonymous: Stan is members only
    make_member("Second Seo", visibility="members", skills=[vocab["seo"]])
    assert _total(member_client, skill="seo") == 2  # the change bumped the version
    make_member("Third Seo", visibility="members", skills=[vocab["seo"]])
    settings.DIRECTORY_COUNT_CAP = 1
    assert "1+ members" in member_client.get(URL, {"skill": "seo"}).content.decode()
    settings.DIRECTORY_COUNT_CAP = 2000
    assert _total(member_client, skill="seo") == 3  # counted again under the new cap


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # as a request runs: no transaction around it
def test_a_kept_list_runs_its_generic_plan(member_client, people, vocab, settings):
    """A list whose count is kept runs the same statement on every request for it: with its
    generic plan, not planned anew each time (a search's tsquery makes PostgreSQL's custom
    plans look cheaper, so it would never stop planning them)."""

    def plans() -> dict[str, tuple[str, int, int]]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, statement, generic_plans, custom_plans FROM pg_prepared_statements"
            )
            return {name: rest for name, *rest in cursor.fetchall()}

    settings.DIRECTORY_CACHE_SECONDS = 0
    before = plans()  # this session's statements from earlier tests
    for params in ({}, {"skill": "seo"}, {"skill": "seo", "sort": "recent"}):
        for _ in range(3):
            assert member_client.get(URL, params).status_code == 200
    runs = [
        (generic - before.get(name, ("", 0, 0))[1], custom - before.get(name, ("", 0, 0))[2])
        for name, (sql, generic, custom) in plans().items()
        if "SELECT $1::bigint AS n" in sql or "SELECT $1::bigint AS total" in sql
    ]
    runs = [run for run in runs if run != (0, 0)]
    assert len(runs) == 3  # the whole directory, and the two orders of one filter
    assert all(custom == 0 and generic >= 2 for generic, custom in runs), runs


@pytest.mark.postgres
def test_a_kept_joined_count_rolls_over_at_midnight(member_client, vocab, settings, monkeypatch):
    """ "Joined in the last month" moves with the date, not only with the version."""
    from django.utils import timezone

    settings.DIRECTORY_CACHE_SECONDS = 0
    today = timezone.localdate()
    make_member("Month Ago", skills=[vocab["seo"]], member_since=today - timedelta(days=30))
    assert _total(member_client, skill="seo", joined="30") == 1
    original = timezone.localdate

    def tomorrow(value=None, timezone=None):
        return today + timedelta(days=1) if value is None else original(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", tomorrow)
    assert _total(member_client, skill="seo", joined="30") == 0


def test_a_directory_request_reads_the_directory_version_once(
    member_client, vocab, settings, monkeypatch
):
    """The filters, the search and the filter form share the options read at the start of
    the request (and with them the version): one cache read, not one per step."""
    from django.core.cache import cache

    from members.directory.cache import VERSION_KEY

    settings.DIRECTORY_CACHE_SECONDS = 0
    make_member("Only One", visibility="members", skills=[vocab["seo"]])
    member_client.get(URL)
    reads = []
    original = cache.get

    def counting_get(key, *args, **kwargs):
        reads.append(key)
        return original(key, *args, **kwargs)

    monkeypatch.setattr(cache, "get", counting_get)
    assert member_client.get(URL, {"q": "only", "skill": "seo"}).status_code == 200
    assert reads.count(VERSION_KEY) == 1


@pytest.fixture
def seo_people(db, vocab):
    """30 members with SEO and 30 without, their names interleaved; then 6 more with SEO
    whose names come last ("Zz…") and who joined first."""
    people = []
    for i in range(30):
        people.append(make_member(f"Member {i:02d} Seo", skills=[vocab["seo"]]))
        make_member(f"Member {i:02d} Plain")
    for i in range(6):
        people.append(
            make_member(f"Zz Last {i}", skills=[vocab["seo"]], member_since=date(2001, 1, 1 + i))
        )
    return people


@pytest.mark.postgres
@pytest.mark.parametrize("bound", [8, 32, 4096])
def test_a_list_walked_in_its_index_order_is_the_list_sorted(
    seo_people, vocab, settings, monkeypatch, bound
):
    """With its count kept, a list below the cap in name or newest-first order walks that
    order's index (at most `bound` rows) instead of sorting its matches: every page is the
    one sorting gives — also where the walk ends before it found the page (8 rows: the
    "Zz" members lie past it) and sorting takes over."""
    from members.directory import directory_query, directory_search
    from members.directory import postgres as directory_postgres

    settings.DIRECTORY_CACHE_SECONDS = 0
    settings.PREPARED_STATEMENTS = False
    viewer = UserFactory()
    walks = []
    original = directory_postgres._walk_bound

    def walk(query, needed, total, visible):
        walks.append(original(query, needed, total, visible))
        return bound if walks[-1] else 0

    monkeypatch.setattr(directory_postgres, "_walk_bound", walk)
    directory_search(viewer=viewer, query=directory_query(params={}))  # the visible total
    for sort in ("name", "recent"):
        expected = None
        for attempt in ("counted", "kept"):
            pages = []
            for number in range(1, 10):  # 36 in pages of 4
                query = directory_query(params={"skill": "seo", "sort": sort})
                result = directory_search(viewer=viewer, query=query, page=number, per_page=4)
                pages.append([card.display_name for card in result.cards])
                assert result.total == 36
            expected = expected or pages
            assert pages == expected, (sort, attempt)
        everyone = [name for page in expected for name in page]
        profiles = Profile.objects.filter(pk__in=[p.pk for p in seo_people])
        order = (
            ["display_name", "pk"]
            if sort == "name"
            else [F("member_since").desc(nulls_last=True), "-pk"]
        )
        assert everyone == [p.display_name for p in profiles.order_by(*order)], sort
    assert any(walks), "the walk was never chosen"


def test_no_walk_for_joined_lists_or_unknown_totals():
    from members.directory.postgres import _walk_bound
    from members.directory.query import DirectoryQuery

    assert _walk_bound(DirectoryQuery(), 24, 900, 10_000) == 2048  # 4 x 267, rounded up
    assert _walk_bound(DirectoryQuery(), 24, 1_000, 10_000) == 1024
    assert _walk_bound(DirectoryQuery(), 24, 100, 10_000) == 0  # 2,400 rows to walk: sort
    assert _walk_bound(DirectoryQuery(joined="30"), 24, 900, 10_000) == 0
    assert _walk_bound(DirectoryQuery(place="!!"), 24, 900, 10_000) == 0
    assert _walk_bound(DirectoryQuery(), 24, None, 10_000) == 0
    assert _walk_bound(DirectoryQuery(), 24, 900, None) == 0
    assert _walk_bound(DirectoryQuery(), 24, 2_001, 10_000) == 0  # past the cap
