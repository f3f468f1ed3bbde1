"""People you should meet: matched both ways, explained, never hidden people or colleagues."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.demo import demo_seeders, new_world
from members.models import Profile
from members.suggestions import suggestions_for
from tests.factories import make_member

from .suggestions_reference import suggestions_reference


@pytest.fixture
def katia(db, vocab):
    return make_member(
        "Katia Xenophontos",
        skills=[vocab["translation"], vocab["seo"]],
        offers=[vocab["translation"]],
        seeks=[vocab["web-design"]],
        company="Xenophontos Translations",
    )


def test_best_match_first_with_reasons(katia, vocab):
    lea = make_member(  # offers what Katia seeks AND seeks what she offers
        "Léa Dubois",
        offers=[vocab["web-design"]],
        seeks=[vocab["translation"]],
        company="Pixelwerk",
    )
    maxime = make_member("Maxime Kings", seeks=[vocab["translation"]], company="Madkings")
    sam = make_member("Sam Seo", skills=[vocab["seo"]])
    make_member("Nobody Related", skills=[vocab["coaching"]])

    found = suggestions_for(user=katia.user, limit=10)
    assert [s.profile for s in found] == [lea, maxime, sam]
    assert found[0].reasons == [
        "offers web design — you seek web design",
        "seeks translation — you offer translation",
    ]
    assert found[1].reasons == ["seeks translation — you offer translation"]
    assert found[2].reasons == ["you both know SEO"]


def test_never_hidden_people_colleagues_or_myself(katia, vocab):
    make_member("Hidden Designer", visibility="hidden", offers=[vocab["web-design"]])
    make_member("Colleague Designer", offers=[vocab["web-design"]], company=katia.company)
    visible = make_member("Visible Designer", offers=[vocab["web-design"]])
    found = [s.profile for s in suggestions_for(user=katia.user, limit=30)]
    assert found == [visible]


def test_page_home_panel_and_login_required(client, katia, vocab):
    make_member("Léa Dubois", offers=[vocab["web-design"]], visibility="public")
    make_member("Hidden Designer", visibility="hidden", offers=[vocab["web-design"]])
    url = reverse("members:suggestions")
    assert client.get(url).status_code == 302
    client.force_login(katia.user)
    page = client.get(url).content.decode()
    assert "Léa Dubois" in page
    assert "offers web design — you seek web design" in page
    assert "Hidden Designer" not in page
    home = client.get(reverse("home")).content.decode()
    assert "People you should meet" in home
    assert "Léa Dubois" in home


def test_suggestions_query_count_does_not_grow_from_1_to_30(client, katia, vocab, settings):
    """The same count on SQLite; on PostgreSQL at most four scoring steps, and fewer once
    the narrowest candidate set provably holds the best people."""
    settings.SUGGESTIONS_CACHE_SECONDS = 0  # every request computes them
    client.force_login(katia.user)
    url = reverse("members:suggestions")
    make_member("First Match", offers=[vocab["web-design"]])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        response = client.get(url)
    assert len(response.context["suggestions"]) == 1
    for n in range(29):
        make_member(f"Match {n}", offers=[vocab["web-design"]], seeks=[vocab["translation"]])
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["suggestions"]) == 30
    if connection.vendor == "sqlite":
        assert len(many) == len(one)
    else:
        assert len(many) <= len(one)
        assert len([q for q in one if "::tsquery" in q["sql"]]) <= 4


def _fingerprint(found) -> list[tuple]:
    return [
        (s.profile.pk, s.score, [str(r) for r in s.reasons], s.profile.display_name) for s in found
    ]


def test_same_people_as_the_old_implementation_on_the_demo_world(db, settings):
    """Seeded demo world (named members, 400 generated ones, chapters, events, speed
    networking, the ledger): for 60 members, the same suggestions, scores and reasons as the
    old one-grouped-query implementation, for the home page's 4 and the page's 30."""
    settings.SUGGESTIONS_CACHE_SECONDS = 0
    world = new_world(members=400, log=lambda line: None)
    for _, _, seed in demo_seeders():
        seed(world)
    profiles = list(Profile.objects.select_related("user").order_by("pk"))
    chosen = profiles[:25] + profiles[25::12][:35]
    compared = 0
    for profile in chosen:
        for limit in (4, 30):
            old = _fingerprint(suggestions_reference(user=profile.user, limit=limit))
            new = _fingerprint(suggestions_for(user=profile.user, limit=limit))
            assert new == old, (profile.display_name, limit)
            compared += bool(old)
    assert compared >= 80  # most of them do get suggestions


@pytest.mark.postgres
def test_a_bounded_candidate_set_answers_when_it_provably_holds_the_best(settings, vocab):
    """PostgreSQL: when enough people meet three of my needs, the first, narrowest step
    answers (one scoring query), and the answer is still the old one's."""
    settings.SUGGESTIONS_CACHE_SECONDS = 0
    me = make_member(
        "Katia X",
        offers=[vocab["translation"], vocab["seo"]],
        seeks=[vocab["web-design"], vocab["coaching"]],
    )
    for n in range(6):  # offer both things I seek and seek one I offer: score 9
        make_member(
            f"Strong {n}", offers=[vocab["web-design"], vocab["coaching"]], seeks=[vocab["seo"]]
        )
    for n in range(6):  # one need met: score 3, never in the top 4
        make_member(f"Weak {n}", offers=[vocab["coaching"]])
    with CaptureQueriesContext(connection) as ctx:
        found = suggestions_for(user=me.user, limit=4)
    scoring = [q for q in ctx.captured_queries if "::tsquery" in q["sql"]]
    assert len(scoring) == 1
    assert [s.profile.display_name for s in found] == [f"Strong {n}" for n in range(4)]
    assert _fingerprint(found) == _fingerprint(suggestions_reference(user=me.user, limit=4))


def test_cached_per_member_until_my_terms_change(settings, katia, vocab):
    settings.SUGGESTIONS_CACHE_SECONDS = 600
    cache.clear()
    lea = make_member("Léa Dubois", offers=[vocab["web-design"]])
    assert [s.profile for s in suggestions_for(user=katia.user)] == [lea]
    with CaptureQueriesContext(connection) as cached:
        assert [s.profile for s in suggestions_for(user=katia.user)] == [lea]
    with CaptureQueriesContext(connection) as computed:
        settings.SUGGESTIONS_CACHE_SECONDS = 0
        suggestions_for(user=katia.user)
    assert len(cached) < len(computed)  # the scoring query was skipped
    settings.SUGGESTIONS_CACHE_SECONDS = 600
    coach = make_member("Coach Carter", offers=[vocab["coaching"]])
    katia.seeks.set([vocab["coaching"]])  # I now seek coaching, not web design
    assert [s.profile for s in suggestions_for(user=katia.user)] == [coach]


def test_a_suggested_profile_hidden_after_caching_disappears_at_once(settings, katia, vocab):
    settings.SUGGESTIONS_CACHE_SECONDS = 600
    cache.clear()
    lea = make_member("Léa Dubois", offers=[vocab["web-design"]])
    sam = make_member("Sam Seo", skills=[vocab["seo"]])
    assert [s.profile for s in suggestions_for(user=katia.user)] == [lea, sam]
    lea.visibility = "hidden"
    lea.save(update_fields=["visibility"])
    assert [s.profile for s in suggestions_for(user=katia.user)] == [sam]
    # Shown again: the cache does not keep her out either.
    lea.visibility = "members"
    lea.save(update_fields=["visibility"])
    assert [s.profile for s in suggestions_for(user=katia.user)] == [lea, sam]
