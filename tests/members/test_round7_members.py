"""Round 7 fixes in members: every page's headings go h1 → h2 → h3 without skipping a level,
and the links of account emails are on the site's canonical address, whatever Host the request
that caused them came with."""

from __future__ import annotations

import itertools
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from betacowork.messaging.models import Outbox
from tests.factories import MembershipFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


class _Headings(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.levels: list[tuple[int, str]] = []
        self._open: list | None = None

    def handle_starttag(self, tag, attrs):
        if re.fullmatch(r"h[1-6]", tag):
            self._open = [int(tag[1]), ""]

    def handle_data(self, data):
        if self._open is not None:
            self._open[1] += data

    def handle_endtag(self, tag):
        if self._open is not None and re.fullmatch(r"h[1-6]", tag):
            self.levels.append((self._open[0], " ".join(self._open[1].split())))
            self._open = None


def heading_skips(html: str) -> list[str]:
    """What is wrong with the page's outline: it must open with its one h1, and each heading
    may go at most one level deeper than the one before it (h1 → h3 skips h2)."""
    parser = _Headings()
    parser.feed(html)
    levels = parser.levels
    problems = []
    if not levels or levels[0][0] != 1:
        problems.append(f"the first heading is not an h1: {levels[:1]}")
    if sum(1 for level, _ in levels if level == 1) != 1:
        problems.append(f"not exactly one h1: {[t for lvl, t in levels if lvl == 1]}")
    for (before, before_text), (level, text) in itertools.pairwise(levels):
        if level > before + 1:
            problems.append(f"h{before} {before_text!r} → h{level} {text!r}")
    return problems


def test_the_outline_checker_sees_a_skipped_level():
    assert heading_skips("<h1>A</h1><h2>B</h2><h3>C</h3><h2>D</h2>") == []
    assert heading_skips("<h1>A</h1><h3>C</h3>") == ["h1 'A' → h3 'C'"]
    assert heading_skips("<h2>B</h2>")


@pytest.fixture
def people(vocab, spaces):
    """Katia, who offers translation and seeks web design, a colleague at her company and
    her space, and people the suggestions page proposes to her."""
    beta, _switch = spaces
    katia = make_member(
        "Katia Xenophontos",
        skills=[vocab["translation"]],
        offers=[vocab["translation"]],
        seeks=[vocab["web-design"]],
        company="Xenophontos Translations",
        home_space=beta,
        headline="Translator",
    )
    make_member("Colleague", company=katia.company, home_space=beta, skills=[vocab["seo"]])
    make_member("Léa Dubois", offers=[vocab["web-design"]], seeks=[vocab["translation"]])
    make_member("Maxime Kings", seeks=[vocab["translation"]], home_space=beta)
    MembershipFactory(user=katia.user, space=beta)
    return katia


def _member_pages(katia) -> dict[str, str]:
    return {
        "directory": reverse("members:directory"),
        "directory search": reverse("members:directory") + "?q=translation",
        "profile": reverse("members:profile", args=[katia.slug]),
        "profile edit": reverse("members:profile_edit", args=[katia.slug]),
        "company": reverse("members:company", args=[katia.company.slug]),
        "space": reverse("members:space", args=[katia.home_space.slug]),
        "suggestions": reverse("members:suggestions"),
        "my data": reverse("members:my_data"),
        "account delete": reverse("members:account_delete"),
    }


def test_every_members_page_goes_down_one_level_at_a_time(client, people):
    """Each page a GET of members/urls.py draws as HTML (the JSON, vCard and avatar answers
    have no headings), with content in every list so the cards' headings are there."""
    client.force_login(people.user)
    found = {}
    for name, url in _member_pages(people).items():
        response = client.get(url, follow=True)
        assert response.status_code == 200, (name, response.status_code)
        assert "<h3" in response.content.decode() or name not in {"suggestions", "company"}
        found[name] = heading_skips(response.content.decode())
    assert found == {name: [] for name in found}


def test_suggestions_keep_their_names_as_the_cards_headings(client, people):
    """The fix adds a heading for the list (read by screen readers, not shown): the people
    proposed stay one level below it, their cards as they were."""
    client.force_login(people.user)
    body = client.get(reverse("members:suggestions")).content.decode()
    assert '<h2 class="visually-hidden">' in body
    assert re.search(r"<h3>Léa Dubois</h3>", body)


# Account emails ------------------------------------------------------------------------------

CANONICAL = "https://betacowork.example"
OTHER_HOST = "alias.betacowork.example"


@pytest.fixture
def canonical_site(settings):
    """The site is https://betacowork.example; the request comes in through another name that
    ALLOWED_HOSTS also lets in (an alias, the proxy's internal name)."""
    settings.SITE_URL = CANONICAL
    settings.ALLOWED_HOSTS = ["betacowork.example", OTHER_HOST, "testserver"]


def _mail(kind: str) -> Outbox:
    return Outbox.objects.filter(kind=kind).latest("pk")


def _hosts(text: str) -> set[str]:
    return {m.group(1) for m in re.finditer(r"https?://([^/\s]+)", text)}


def test_a_password_reset_link_is_on_the_canonical_site(client, canonical_site, member):
    client.post(reverse("account_reset_password"), {"email": member.email}, HTTP_HOST=OTHER_HOST)
    mail = _mail("account.password_reset_key")
    assert _hosts(mail.body_text) == {"betacowork.example"}, mail.body_text
    link = re.search(
        r"https://betacowork\.example(/accounts/password/reset/key/\S+)", mail.body_text
    )
    assert link, mail.body_text
    # The link works on the canonical site.
    response = client.get(link.group(1), follow=True)
    assert response.status_code == 200
    assert "Choose a new password" in response.content.decode()


def test_a_sign_up_confirmation_link_is_on_the_canonical_site(client, canonical_site):
    client.post(
        reverse("account_signup"),
        {
            "email": "new@example.test",
            "name": "New Person",
            "password1": "a long enough passphrase 42",
            "password2": "a long enough passphrase 42",
        },
        HTTP_HOST=OTHER_HOST,
    )
    mail = _mail("account.email_confirmation_signup")
    assert _hosts(mail.body_text) == {"betacowork.example"}, mail.body_text
    assert f"{CANONICAL}/accounts/confirm-email/" in mail.body_text
    assert OTHER_HOST not in mail.body_text + mail.body_html


def test_an_added_address_confirmation_link_is_on_the_canonical_site(
    client, canonical_site, member, recently_authenticated
):
    client.force_login(member)
    recently_authenticated(client)  # adding an address asks for the password
    client.post(
        reverse("account_email"),
        {"action_add": "", "email": "second@example.test"},
        HTTP_HOST=OTHER_HOST,
    )
    mail = _mail("account.email_confirmation")
    assert f"{CANONICAL}/accounts/confirm-email/" in mail.body_text
    assert OTHER_HOST not in mail.body_text + mail.body_html


def test_the_sign_up_of_a_taken_address_points_to_the_canonical_site(
    client, canonical_site, member
):
    """allauth builds its sign-up and password-reset links itself here (no adapter hook)."""
    client.post(
        reverse("account_signup"),
        {
            "email": member.email,
            "name": "Someone Else",
            "password1": "a long enough passphrase 42",
            "password2": "a long enough passphrase 42",
        },
        HTTP_HOST=OTHER_HOST,
    )
    mail = _mail("account.account_already_exists")
    assert f"{CANONICAL}/accounts/password/reset/" in mail.body_text
    assert _hosts(mail.body_text) == {"betacowork.example"}, mail.body_text


def test_a_reset_for_an_unknown_address_points_to_the_canonical_sign_up(client, canonical_site):
    client.post(
        reverse("account_reset_password"), {"email": "nobody@example.test"}, HTTP_HOST=OTHER_HOST
    )
    mail = _mail("account.unknown_account")
    assert f"{CANONICAL}/accounts/signup/" in mail.body_text
    assert _hosts(mail.body_text) == {"betacowork.example"}, mail.body_text


def test_on_the_canonical_host_nothing_changes(client, canonical_site):
    """The canonical host itself (and the scheme of SITE_URL, https, whatever the request's)."""
    user = UserFactory(name="Léa Dubois")
    client.post(
        reverse("account_reset_password"), {"email": user.email}, HTTP_HOST="betacowork.example"
    )
    mail = _mail("account.password_reset_key")
    assert f"{CANONICAL}/accounts/password/reset/key/" in mail.body_text
    assert "http://" not in mail.body_text
