"""The denormalised search document follows profiles, companies and vocabulary terms."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from members.models import Term
from members.search import profile_search_refresh
from members.services import term_merge
from tests.factories import CompanyFactory, TermFactory, UserFactory, make_member

URL = reverse("members:directory")


def _found(client, q):
    return _listed(client, q=q)


def test_company_rename_refreshes_its_people(client, db):
    company = CompanyFactory(name="Oldname")
    make_member("Ann One", company=company)
    make_member("Bob Two", company=company)
    client.force_login(UserFactory())
    assert _found(client, "oldname") == ["Ann One", "Bob Two"]
    company.name = "Brandnew"
    company.save()
    assert _found(client, "brandnew") == ["Ann One", "Bob Two"]
    assert _found(client, "oldname") == []


def test_term_rename_and_new_synonym_refresh_profiles(client, vocab):
    make_member("Ann One", offers=[vocab["coaching"]])
    client.force_login(UserFactory())
    term = vocab["coaching"]
    term.name_nl = "begeleiding"
    term.synonyms = "mentoring"
    term.save()
    assert _found(client, "begeleiding") == ["Ann One"]
    assert _found(client, "mentoring") == ["Ann One"]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    assert "begeleiding</span>" in client.get(URL).content.decode()  # Ann's card, in Dutch


def test_term_merge_repoints_every_profile(client, vocab, staff):
    dup = TermFactory(slug="translating", name_en="translating", status=Term.Status.PROPOSED)
    ann = make_member("Ann One", skills=[dup], offers=[dup], seeks=[dup])
    bob = make_member("Bob Two", skills=[vocab["translation"], dup])
    touched = term_merge(survivor=vocab["translation"], others=[dup])
    assert touched == 2
    assert not Term.objects.filter(slug="translating").exists()
    for field in ("skills", "offers", "seeks"):
        assert list(getattr(ann, field).all()) == [vocab["translation"]]
    assert list(bob.skills.all()) == [vocab["translation"]]
    vocab["translation"].refresh_from_db()
    assert "translating" in vocab["translation"].synonyms
    client.force_login(UserFactory())
    assert _found(client, "translating") == ["Ann One", "Bob Two"]


def test_merge_action_in_the_admin(client, vocab, staff):
    dup = TermFactory(slug="traductions", name_en="traductions", status=Term.Status.PROPOSED)
    make_member("Ann One", skills=[dup])
    client.force_login(staff)
    url = reverse("admin:members_term_changelist")
    ids = [vocab["translation"].pk, dup.pk]
    page = client.post(url, {"action": "merge", "_selected_action": ids})
    assert page.status_code == 200
    assert "Keep this term" in page.content.decode() or "survivor" in page.content.decode()
    done = client.post(
        url,
        {
            "action": "merge",
            "_selected_action": ids,
            "confirm": "yes",
            "survivor": vocab["translation"].pk,
        },
        follow=True,
    )
    assert done.status_code == 200
    assert "Merged 1 term into “translation”. 1 profile repointed." in done.content.decode()
    assert not Term.objects.filter(pk=dup.pk).exists()


def test_full_rebuild_is_idempotent(db, vocab):
    profile = make_member("Ann One", skills=[vocab["translation"]])
    before = profile.search_document
    assert profile_search_refresh() >= 1
    profile.refresh_from_db()
    assert profile.search_document == before
    assert "vertaling" in before


def test_proposed_terms_autocomplete_only_for_their_proposer(client, vocab):
    author = UserFactory()
    Term.objects.create(
        slug="zythology", name_en="zythology", status=Term.Status.PROPOSED, proposed_by=author
    )
    url = reverse("members:terms_json")
    client.force_login(UserFactory())
    assert client.get(url, {"q": "zyth"}).json()["results"] == []
    client.force_login(author)
    assert [r["slug"] for r in client.get(url, {"q": "zyth"}).json()["results"]] == ["zythology"]
    assert [r["slug"] for r in client.get(url, {"q": "vertal"}).json()["results"]] == [
        "translation"
    ]


def test_imported_people_are_unhidden_at_first_login(client, db):
    from django.contrib.auth.signals import user_logged_in
    from django.test import RequestFactory

    profile = make_member("Imported Person", visibility="hidden", hidden_until_login=True)
    user_logged_in.send(
        sender=type(profile.user), request=RequestFactory().get("/"), user=profile.user
    )
    profile.refresh_from_db()
    assert profile.visibility == "members"
    assert not profile.hidden_until_login
    # A member who chose "hidden" stays hidden at later logins.
    profile.visibility = "hidden"
    profile.save()
    client.force_login(profile.user)
    profile.refresh_from_db()
    assert profile.visibility == "hidden"


def test_rebuild_command_and_seed_fill_missing_documents(db, vocab):
    import io

    from django.core.management import call_command

    from members.models import Profile

    profile = make_member("Ann One", skills=[vocab["translation"]])
    Profile.objects.filter(pk=profile.pk).update(search_document="", card={})
    out = io.StringIO()
    call_command("members_search_rebuild", stdout=out)
    assert "profiles refreshed" in out.getvalue()
    profile.refresh_from_db()
    assert "vertaling" in profile.search_document
    assert profile.card["skills"][0]["s"] == "translation"


# --- the narrow companion the directory searches on PostgreSQL (members.ProfileSearch) ------


def _row(profile):
    from members.models import ProfileSearch

    return ProfileSearch.objects.get(pk=profile.pk)


def _matches(words: str) -> set[str]:
    """Display names whose search row matches every word (PostgreSQL only)."""
    from django.db import connection

    from members.search import query_words, term_words, words_tsquery

    tsquery = words_tsquery(query_words(words), term_words(Term.objects.all()))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT display_name FROM members_profilesearch WHERE search_vector @@ %s::tsquery",
            [tsquery],
        )
        return {name for (name,) in cursor.fetchall()}


def test_companion_row_follows_profile_changes_and_deletion(db):
    from members.models import ProfileSearch

    profile = make_member("Ann One", visibility="public")
    assert (_row(profile).display_name, _row(profile).visibility) == ("Ann One", "public")
    assert _row(profile).user_id == profile.user_id
    profile.display_name = "Ann Renamed"
    profile.visibility = "hidden"
    profile.save()
    assert (_row(profile).display_name, _row(profile).visibility) == ("Ann Renamed", "hidden")
    profile.user.delete()
    assert not ProfileSearch.objects.filter(pk=profile.pk).exists()


@pytest.mark.postgres
def test_companion_vector_follows_company_and_term_changes(db, vocab):
    company = CompanyFactory(name="Oldname")
    make_member("Ann One", company=company, skills=[vocab["coaching"]])
    assert _matches("oldname coach") == {"Ann One"}
    company.name = "Brandnew"
    company.save()
    assert _matches("brandnew") == {"Ann One"}
    assert _matches("oldname") == set()
    term = vocab["coaching"]
    term.synonyms = "mentoring"
    term.save()
    assert _matches("mentor") == {"Ann One"}


@pytest.mark.postgres
def test_a_renamed_member_moves_between_the_name_tiers(client, db):
    """The first tier (the whole name is the search) reads the name's lexemes counted beside
    the vector (migration 0011): a rename moves the member between tiers."""
    from django.db import connection

    zoe = make_member("Zoë", visibility="members")
    make_member("Anna Zoë Dubois", visibility="members")
    make_member("Aaron Zoë", visibility="members")
    client.force_login(UserFactory())
    assert _found(client, "zoe")[0] == "Zoë"  # the whole name first, then by name
    zoe.display_name = "Zoë Zylstra"
    zoe.save()
    assert _found(client, "zoe") == ["Aaron Zoë", "Anna Zoë Dubois", "Zoë Zylstra"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name_lexemes FROM members_profilesearch WHERE profile_id = %s", [zoe.pk]
        )
        assert cursor.fetchone() == (2,)


@pytest.mark.postgres
def test_companion_follows_a_visibility_update_that_bypasses_the_refresh(client, db):
    """profile_unhide_on_first_login() and others write with queryset.update(): a trigger."""
    from members.directory.cache import directory_invalidate
    from members.models import Profile

    profile = make_member("Zed Quietname", visibility="public")
    client.force_login(UserFactory())
    assert _found(client, "quietname") == ["Zed Quietname"]
    Profile.objects.filter(pk=profile.pk).update(visibility="hidden", display_name="Zed Other")
    directory_invalidate()  # what such writers do (the results cache is not under test here)
    assert (_row(profile).visibility, _row(profile).display_name) == ("hidden", "Zed Other")
    response = client.get(URL, {"q": "quietname"})
    assert list(response.context["profiles"]) == []
    assert response.context["page_obj"].paginator.count == 0


def _listed(client, **params) -> list[str]:
    """The names on the cards of the page (read from it: a kept page renders no template)."""
    return re.findall(r"<h3>([^<]+)</h3>", client.get(URL, params).content.decode())


def test_space_and_plan_filters_follow_membership_changes(client, db):
    """A membership is staff's to change, in the admin: the filters see it at once."""
    from members.models import Membership
    from tests.factories import MembershipFactory, SpaceFactory

    switch = SpaceFactory(name="Switch", slug="switch", city="Charleroi")
    ann = make_member("Ann One", visibility="public")
    make_member("Bob Two", visibility="public")
    client.force_login(UserFactory())
    assert _listed(client, space="switch") == []
    membership = MembershipFactory(user=ann.user, space=switch, plan=Membership.Plan.RESIDENT)
    assert _listed(client, space="switch") == ["Ann One"]
    assert _listed(client, plan="resident") == ["Ann One"]
    assert _listed(client, plan="flex") == []
    membership.plan = Membership.Plan.FLEX
    membership.save()
    assert _listed(client, plan="resident") == []
    assert _listed(client, plan="flex", space="switch") == ["Ann One"]
    membership.status = Membership.Status.ENDED
    membership.save()
    assert _listed(client, space="switch") == []
    assert _listed(client, plan="flex") == []
    membership.delete()
    ann.home_space = switch  # a home space counts as the space too
    ann.save()
    assert _listed(client, space="switch") == ["Ann One"]


def test_a_new_term_is_a_filter_at_once(client, db):
    """The filter options are kept per process until something changes: a term is such a
    change even before anybody uses it."""
    client.force_login(UserFactory())
    client.get(URL)  # the options are now kept
    TermFactory(slug="beekeeping", name_en="beekeeping")
    page = client.get(URL).content.decode()
    assert '<option value="beekeeping">beekeeping</option>' in page
    response = client.get(URL, {"skill": "beekeeping"})
    assert not response.context["query"].notices


@pytest.mark.postgres
def test_member_since_written_around_the_refresh_reaches_the_search_rows(client, db):
    """ "Newest members" and "joined recently" read the search rows: a trigger copies a
    "member since" changed by a queryset .update() (the CSV import's path is a save)."""
    from datetime import date

    from django.utils import timezone

    from members.directory.cache import directory_invalidate
    from members.models import Profile

    old = make_member("Ann Zork", visibility="public", member_since=date(2015, 1, 1))
    make_member("Bob Zork", visibility="public", member_since=date(2020, 1, 1))
    client.force_login(UserFactory())
    assert _listed(client, q="zork", sort="recent") == ["Bob Zork", "Ann Zork"]
    assert _listed(client, q="zork", joined="365") == []
    Profile.objects.filter(pk=old.pk).update(member_since=timezone.localdate())
    directory_invalidate()  # what such writers do (the results cache is not under test here)
    assert _row(old).member_since == timezone.localdate()
    assert _listed(client, q="zork", sort="recent") == ["Ann Zork", "Bob Zork"]
    assert _listed(client, q="zork", joined="365") == ["Ann Zork"]


@pytest.mark.postgres
def test_search_rows_give_the_same_members_order_and_total_as_the_profile_rows(db, vocab):
    """Every filter and order the directory offers, for every kind of viewer: the one query
    on the search rows (PostgreSQL's path) against the plain queryset on the profile rows
    (SQLite's path, which reads no denormalised row but the document)."""
    from datetime import date, timedelta

    from django.http import QueryDict
    from django.utils import timezone

    from members.models import Membership
    from members.selectors import (
        directory_choices,
        directory_options,
        directory_parse,
        directory_profiles,
        directory_search_page,
    )
    from members.views import _profile_page_fetch
    from tests.factories import SpaceFactory

    betacowork = SpaceFactory(name="Betacowork", slug="betacowork", city="Brussels")
    switch = SpaceFactory(name="Switch", slug="switch", city="Charleroi")
    terms = list(vocab.values())
    today = timezone.localdate()
    for i in range(30):
        profile = make_member(
            f"Person {i % 7} {'Same' if i % 3 else 'Other'}",
            visibility=["public", "members", "hidden"][i % 3],
            skills=terms[i % 5 : i % 5 + 1 + i % 2],
            offers=terms[(i + 2) % 5 : (i + 2) % 5 + 1],
            seeks=terms[(i + 3) % 5 : (i + 3) % 5 + 1],
            headline="translation helper" if i % 4 == 0 else "",
            languages=[["fr"], ["nl", "en"], ["fr", "en"], []][i % 4],
            home_space=[betacowork, switch, None][i % 3],
            city=["Brussels", "Charleroi", "La Louvière", ""][i % 4],
            region="Wallonia" if i % 4 in (1, 2) else "",
            member_since=[None, today - timedelta(days=10), date(2019, 5, 1)][i % 3],
        )
        if i % 5 == 0:
            Membership.objects.create(
                user=profile.user,
                space=switch,
                plan=["resident", "flex"][i % 2],
                start=date(2024, 1, 1),
                status="ended" if i % 15 == 0 else "active",
            )
    viewers = [None, UserFactory(), UserFactory(is_staff=True)]
    hidden_owner = make_member("Hidden Owner translation", visibility="hidden").user
    viewers.append(hidden_owner)
    queries = [
        "q=translation",
        "q=trans",
        "q=web+design",
        "q=vertaling",  # a term's Dutch name
        "q=person+same",
        "q=seo",
        "q=nothere",
        "skill=translation",
        "offers=web-design&sort=recent",
        "seeks=crowdfunding&sort=name",
        "space=switch",
        "space=betacowork&language=fr&sort=recent",
        "plan=resident",
        "plan=flex",
        "place=charleroi",
        "place=La+Louvi%C3%A8re",  # two words, an accent
        "place=%21%21",  # punctuation only: no place
        "place=Wallonia&skill=seo",
        "language=nl&joined=30",
        "joined=365&sort=recent",
        "q=person&space=switch&sort=name",
        "q=person&language=en",
    ]
    found = {}
    for viewer in viewers:
        options = {**directory_options(user=viewer), **directory_choices()}
        for params in queries:
            query = directory_parse(QueryDict(params), options=options)
            assert query.filtered, params
            assert not query.notices, params
            cards, total = directory_search_page(
                user=viewer, query=query, term_index=options["term_words"], number=1, per_page=100
            )
            fetch = _profile_page_fetch(
                directory_profiles(user=viewer, query=query), user=viewer, per_page=100
            )
            expected, expected_total = fetch(1)
            got = [c.pk for c in cards]
            if query.sort == "relevance":  # ranked here, by name there
                assert sorted(got) == sorted(p.pk for p in expected), (params, viewer)
            else:
                assert got == [p.pk for p in expected], (params, viewer)
            assert total == expected_total == len(expected), (params, viewer)
            found[params] = max(found.get(params, 0), total)
            # A page of 7: the same slice of that order, and the same total.
            cards, total = directory_search_page(
                user=viewer, query=query, term_index=options["term_words"], number=2, per_page=7
            )
            assert total == expected_total
            if query.sort != "relevance":
                assert [c.pk for c in cards] == [p.pk for p in expected][7:14], params
    # Not a comparison of empty lists: every query but one finds somebody.
    assert [params for params, total in found.items() if not total] == [
        "q=nothere",
        "place=%21%21",
    ]
