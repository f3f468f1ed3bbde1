"""The directory's results fragment: its markup kept per shape, with each request's own cards
and links put in (`members.views.directory.results_html`)."""

import re

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from tests.factories import UserFactory, make_member

URL = reverse("members:directory")
FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}  # the results alone, as directory.js asks for them


def names(html: str) -> list[str]:
    return re.findall(r"<h3>([^<]+)</h3>", html)


@pytest.fixture
def two_lists(db, vocab, settings):
    """Thirty translators and thirty SEO people: two lists of the same total, hence of the
    same shape on each page."""
    settings.DIRECTORY_CACHE_SECONDS = 0  # the shared cache would answer the repeats
    for n in range(30):
        make_member(f"Anna Trans {n:02d}", visibility="members", skills=[vocab["translation"]])
        make_member(f"Bert Seo {n:02d}", visibility="members", skills=[vocab["seo"]])


def _fragment(client, **params) -> str:
    response = client.get(URL, params, **FETCH)
    assert response.status_code == 200
    return response.content.decode()


def test_lists_of_the_same_shape_show_their_own_cards_and_links(client, two_lists):
    client.force_login(UserFactory())
    translators = _fragment(client, skill="translation", page="2")
    seo = _fragment(client, skill="seo", page="2")  # the markup kept for the first
    assert names(translators) == [f"Anna Trans {n}" for n in range(24, 30)]
    assert names(seo) == [f"Bert Seo {n}" for n in range(24, 30)]
    assert 'href="?skill=translation&amp;page=1"' in translators
    assert 'href="?skill=seo&amp;page=1"' in seo
    assert "skill=translation" not in seo
    assert "30 members" in seo
    assert "Page 2 of 2" in seo

    # Everything else is the same markup: before the cards, and from the pagination on.
    def around(html: str) -> tuple[str, str]:
        html = re.sub(r"\?skill=\w+", "", html)
        return html.split('<ul class="grid member-grid"')[0], html.split("<nav class=")[1]

    assert around(translators) == around(seo)


QUERIES = [
    {},
    {"page": "2"},
    {"skill": "translation"},
    {"skill": "translation", "page": "2"},
    {"q": "trans", "sort": "recent"},
    {"q": "nobodyatall"},
    {"skill": "no-such-skill"},
    {"skill": "seo", "page": "99"},
    {"q": "bert", "page": "last"},
]


@pytest.mark.parametrize("language", [code for code, _name in django_settings.LANGUAGES])
@pytest.mark.parametrize("cap", [2000, 5])
def test_the_kept_fragment_is_the_templates_own(client, two_lists, settings, language, cap):
    """Rendered in full (DEBUG), then from the markup kept for its shape (twice: rendered and
    kept, then only filled in): the same bytes, for every kind of page — first, middle, last,
    past the end, empty, with notices, counted or past the cap ("5+ members") — in every
    language."""
    settings.DIRECTORY_COUNT_CAP = cap
    client.force_login(UserFactory())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    for params in QUERIES:
        settings.DEBUG = True
        rendered = _fragment(client, **params)
        settings.DEBUG = False
        assert _fragment(client, **params) == rendered, params
        assert _fragment(client, **params) == rendered, params
    assert "5+" in rendered if cap == 5 else "5+" not in rendered


def test_a_change_does_not_render_the_kept_markup_again(client, two_lists, vocab, monkeypatch):
    """The form's and the results' markup hold no data: after a change (a new directory
    version) a list of a shape seen before is only filled in, and shows the change — the new
    count is another shape, rendered once."""
    from members.views import directory as views

    client.force_login(UserFactory())
    rendered: list[str] = []
    render = views.render_to_string

    def counting(template, *args, **kwargs):
        rendered.append(template)
        return render(template, *args, **kwargs)

    monkeypatch.setattr(views, "render_to_string", counting)
    assert "30 members" in client.get(URL, {"skill": "seo"}).content.decode()
    assert rendered == [views.RESULTS_TEMPLATE, "members/_directory_form.html"]
    make_member("Anna Unrelated", visibility="members")  # a change: a new version
    rendered.clear()
    assert "30 members" in client.get(URL, {"skill": "translation"}).content.decode()
    assert rendered == []
    make_member("Bert Seo 30", visibility="members", skills=[vocab["seo"]])
    page = client.get(URL, {"skill": "seo"}).content.decode()
    assert "31 members" in page
    assert "Bert Seo 30" in client.get(URL, {"skill": "seo", "page": "2"}).content.decode()
    assert rendered == [views.RESULTS_TEMPLATE, views.RESULTS_TEMPLATE]  # 31, pages 1 and 2
