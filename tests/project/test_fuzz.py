"""Fuzzing (hypothesis) of every form and query-string view: never a 500.

The forms are not listed by hand: the pages a member and a visitor see are rendered and every
<form> on them (its action, method and field names) becomes a target, so a new form is fuzzed
without touching this file. Each case sends one request whose fields are chosen among the
form's own names plus the usual query parameters and a few invented ones, each with zero to
three values (duplicated fields), every value percent-encoded from raw bytes: Unicode digits
and superscripts, NUL, invalid UTF-8, huge and negative numbers, markup, long strings.

A 4xx is a fine answer; a 500 fails the case (and, through conftest's ERROR check, the test).
About 2,400 cases in all; `FUZZ_EXAMPLES=<n>` scales each test for a longer run.
"""

from __future__ import annotations

import os
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import quote_from_bytes, urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.events.factories import EventFactory, RegistrationFactory
from tests.factories import ChapterFactory, CompanyFactory, SpaceFactory, make_member

pytestmark = pytest.mark.django_db

SCALE = float(os.environ.get("FUZZ_EXAMPLES", "1"))


def fuzz_settings(examples: int):
    return settings(
        max_examples=max(1, int(examples * SCALE)),
        deadline=None,
        database=None,  # nothing written to the shared tree
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )


NASTY = [
    "²",
    "①",
    "¹²",
    "٣",
    "\uff11\uff12",
    "⁹⁹",
    "0",
    "1",
    "-1",
    "+1",
    "1.5",
    "1e309",
    "NaN",
    "9" * 40,
    "9" * 5000,
    str(2**63),
    str(2**31),
    "0x1F",
    "1_000",
    " 7 ",
    "\x00",
    "a\x00b",
    "",
    " ",
    "%",
    "%%",
    "&",
    "=",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc",
    "//evil.example/",
    "http://testserver/",
    "javascript:alert(1)",
    "\u202e",
    "😀" * 50,
    "a" * 10_000,
    "2026-02-30",
    "24:61",
    "true",
    "on",
    "None",
    "[]",
    "{}",
]
INVALID_UTF8 = [b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82", b"abc\x80def", b"\xf5\x80"]
COMMON_PARAMS = [
    "page",
    "q",
    "event",
    "with",
    "next",
    "year",
    "past",
    "sort",
    "kind",
    "space",
    "chapter",
    "skill",
    "offers",
    "seeks",
    "place",
    "language",
    "plan",
    "joined",
    "when",
    "user",
    "ids",
]

values = st.one_of(
    st.sampled_from(NASTY).map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.sampled_from(INVALID_UTF8),
    st.text(max_size=30).map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.integers(min_value=-(10**30), max_value=10**30).map(lambda n: str(n).encode()),
    st.binary(max_size=12),
)


def encode(pairs: list[tuple[str, bytes]]) -> str:
    return "&".join(
        f"{quote_from_bytes(name.encode(), safe='')}={quote_from_bytes(value, safe='')}"
        for name, value in pairs
    )


@st.composite
def fields(draw, form: tuple = ()) -> list[tuple[str, bytes]]:
    """Half the time the form as a person would send it with a few fields replaced, else a
    few of its names and the common ones (plus maybe an invented name); each chosen field gets
    0-3 values (duplicated fields)."""
    names = [name for name, _ in form]
    pool = sorted(set(names) | set(COMMON_PARAMS))
    chosen = draw(st.lists(st.sampled_from(pool), max_size=4 if form else 6, unique=True))
    if draw(st.booleans()):
        chosen.append(draw(st.text(min_size=1, max_size=8)))
    pairs: list[tuple[str, bytes]] = []
    if form and draw(st.booleans()):
        pairs = [(n, v.encode()) for n, vs in form if n not in chosen for v in vs]
    for name in chosen:
        for value in draw(st.lists(values, min_size=0, max_size=3)):
            pairs.append((name, value))
    return draw(st.permutations(pairs)) if pairs else pairs


# --- the world and its forms ---------------------------------------------------------------


class _Forms(HTMLParser):
    """Each <form>: method, action, and the values a person would send unchanged."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None
        self._select_defaulted = False
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            method = (attrs.get("method") or "get").lower()
            self.forms.append({"method": method, "action": attrs.get("action"), "values": {}})
            return
        if not self.forms:
            return
        values, name = self.forms[-1]["values"], attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                values.setdefault(name, [])
            elif kind not in ("submit", "button", "file", "image"):
                values.setdefault(name, []).append(attrs.get("value") or "")
        elif tag == "select" and name:
            self._select, self._select_defaulted = name, False
            values[name] = []
        elif tag == "option" and self._select:
            # The selected options, else the first one (what a browser sends).
            chosen, value = values[self._select], attrs.get("value") or ""
            if "selected" in attrs:
                if self._select_defaulted:
                    chosen.clear()
                    self._select_defaulted = False
                chosen.append(value)
            elif not chosen:
                chosen.append(value)
                self._select_defaulted = True
        elif tag == "textarea" and name:
            self._textarea = name
            values[name] = [""]
        elif tag == "button" and name:
            values.setdefault(name, [])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1]["values"][self._textarea][0] += data


# Never fuzzed: they end the session or the account the other cases rely on.
SKIPPED_ACTIONS = ("/accounts/logout/", "/me/delete/", "/admin/")


def discover(client: Client, pages: list[str]) -> list[tuple[str, str, tuple]]:
    """(method, path, the form's own values) of every form on `pages`, and of each page's
    query string."""
    found: dict[tuple[str, str], dict[str, list[str]]] = {}
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        found.setdefault(("get", page), {})
        parser = _Forms()
        parser.feed(response.content.decode())
        for form in parser.forms:
            action = urlsplit(form["action"] or page).path or page
            if action.startswith(SKIPPED_ACTIONS):
                continue
            form["values"].pop("csrfmiddlewaretoken", None)
            found.setdefault((form["method"], action), {}).update(form["values"])
    return sorted(
        (method, path, tuple(sorted((k, tuple(v)) for k, v in values.items())))
        for (method, path), values in found.items()
    )


@pytest.fixture
def world(member, organiser):
    space = SpaceFactory(name="Betacowork Etterbeek")
    company = CompanyFactory(name="Ayomi")
    chapter = ChapterFactory(name="BetaGroup Charleroi")
    chapter.organisers.add(organiser)
    profile = member.profile
    profile.company, profile.home_space = company, space
    profile.save()
    make_member("Stan Jagiello", visibility="public", company=company, offers=["translation"])
    event = EventFactory(title="Betacooks lunch", chapter=chapter, space=space)
    past = EventFactory(
        title="Old talk", start=timezone.now() - timedelta(days=30), chapter=chapter, space=space
    )
    RegistrationFactory(event=past, user=member, checked_in_at=past.start)
    return {
        "member": member,
        "event": event,
        "chapter": chapter,
        "company": company,
        "space": space,
        "profile": profile,
    }


def member_pages(w) -> list[str]:
    return [
        "/",
        "/directory/",
        "/events/",
        "/events/month/",
        "/events/mine/",
        "/chapters/",
        f"/chapters/{w['chapter'].slug}/",
        f"/events/{w['event'].slug}/",
        f"/companies/{w['company'].slug}/",
        f"/spaces/{w['space'].slug}/",
        "/suggestions/",
        "/collaborations/",
        "/collaborations/new/",
        "/collaborations/dashboard/",
        "/collaborations/mine/",
        "/notifications/",
        f"/members/{w['profile'].slug}/edit/",
        "/accounts/email/",
        "/accounts/password/change/",
        "/me/data/",
    ]


VISITOR_PAGES = [
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/directory/",
    "/events/",
]
JSON_ENDPOINTS = [
    "/directory/terms.json",
    "/directory/people.json",
    "/directory/companies.json",
    "/collaborations/members.json",
]


def send(client: Client, method: str, path: str, pairs) -> int:
    body = encode(pairs)
    if method == "post":
        response = client.post(path, body, content_type="application/x-www-form-urlencoded")
    else:
        response = client.get(f"{path}?{body}" if body else path)
    return response.status_code


CASES: dict[str, int] = {}


def check(client, method, path, pairs, *, test: str) -> None:
    status = send(client, method, path, pairs)
    CASES[test] = CASES.get(test, 0) + 1
    assert status < 500, f"{method.upper()} {path} {encode(pairs)[:300]!r} → {status}"


def ran_at_least(test: str, examples: int) -> None:
    """The case count is real: hypothesis ran (about) as many cases as asked."""
    assert CASES.pop(test, 0) >= 0.9 * max(1, int(examples * SCALE))


# --- the fuzz tests -------------------------------------------------------------------------

MEMBER_CASES, VISITOR_CASES, JSON_CASES = 1400, 700, 300  # 2,400 in all


def test_member_forms_and_query_strings(world, recently_authenticated):
    client = Client()
    client.force_login(world["member"])
    targets = discover(client, member_pages(world))
    assert len([t for t in targets if t[0] == "post"]) >= 5, targets

    @fuzz_settings(MEMBER_CASES)
    @given(st.sampled_from(targets).flatmap(lambda t: st.tuples(st.just(t), fields(t[2]))))
    def case(drawn):
        (method, path, _names), pairs = drawn
        if "_auth_user_id" not in client.session:
            client.force_login(world["member"])
        # The address forms ask for the password again after 5 minutes: the fuzz reaches them.
        recently_authenticated(client)
        check(client, method, path, pairs, test="member")

    case()
    ran_at_least("member", MEMBER_CASES)


def test_visitor_forms_and_query_strings(world):
    client = Client()
    targets = discover(client, VISITOR_PAGES)

    @fuzz_settings(VISITOR_CASES)
    @given(st.sampled_from(targets).flatmap(lambda t: st.tuples(st.just(t), fields(t[2]))))
    def case(drawn):
        (method, path, _names), pairs = drawn
        client.logout()
        check(client, method, path, pairs, test="visitor")

    case()
    ran_at_least("visitor", VISITOR_CASES)


def test_json_endpoints(world):
    client = Client()
    client.force_login(world["member"])

    @fuzz_settings(JSON_CASES)
    @given(st.sampled_from(JSON_ENDPOINTS), fields((("q", ("ka",)), ("limit", ("10",)))))
    def case(path, pairs):
        check(client, "get", path, pairs, test="json")

    case()
    ran_at_least("json", JSON_CASES)
