"""The chapter budget report and the staff overview: hand-computed figures on the page and in
the CSV, who may see them, bad years, and a query count that does not grow with events.

The world (`world` fixture), in the chapter Charleroi, last year:
  March IT day   costs 100.00 + 150.00 = 250.00; 12 confirmed, 9 checked in (+1 waitlisted,
                 1 cancelled); collaborations 3000 + 1500 confirmed (+ 9999 proposed)
  June IT day    no cost; 3 confirmed, nobody checked in; 1 collaboration without a value
  September talk costs 45.00 + 35.50 = 80.50; 4 confirmed, 4 checked in
Not held, so not in the report: a cancelled event (cost 40.00), a draft (cost 10.00), an
event of Kortrijk (cost 20.00, 2 of 2 checked in), one of the year before (cost 99.00).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from collaborations.models import Collaboration
from events.budget import selectors
from events.models import Budget, Event, EventCost, Registration
from tests.factories import ChapterFactory, UserFactory

from .factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Europe/Brussels")
YEAR = timezone.localdate().year - 1


# Helpers ------------------------------------------------------------------------------------


def held_event(chapter, title: str, month: int, day: int, *, year: int = YEAR, **fields):
    start = datetime(year, month, day, 18, 0, tzinfo=TZ)
    fields.setdefault("status", Event.Status.PUBLISHED)
    return EventFactory(
        chapter=chapter, title=title, start=start, end=start + timedelta(hours=3), **fields
    )


def seats(event, confirmed: int, checked_in: int, *, status=Registration.Status.CONFIRMED):
    for i in range(confirmed):
        RegistrationFactory(
            event=event,
            user=None,
            name=f"Guest {i}",
            email=f"guest{i}-{status}-{event.pk}@example.test",
            status=status,
            checked_in_at=event.start if i < checked_in else None,
        )


def costs(event, *amounts: str, category: str = "food"):
    for amount in amounts:
        EventCost.objects.create(event=event, category=category, amount=Decimal(amount))


def collaboration(event, value: str | None, *, status=Collaboration.Status.CONFIRMED):
    return Collaboration.objects.create(
        title="Deal",
        kind=Collaboration.Kind.SERVICE,
        start_date=event.start.date(),
        origin_type=Collaboration.Origin.EVENT,
        origin_event=event,
        value_eur=Decimal(value) if value is not None else None,
        status=status,
        confirmed_at=timezone.now() if status == Collaboration.Status.CONFIRMED else None,
        author_name="Norman",
    )


class _Cells(HTMLParser):
    """The text of every <tr> of the page's tables, one list of cells per row."""

    def __init__(self):
        super().__init__()
        self.rows, self._row, self._cell = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def table_rows(response) -> list[list[str]]:
    parser = _Cells()
    parser.feed(response.content.decode())
    return parser.rows


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


# The world ----------------------------------------------------------------------------------


@pytest.fixture
def charleroi(organiser):
    chapter = ChapterFactory(name="BetaGroup Charleroi", slug="charleroi")
    chapter.organisers.add(organiser)
    return chapter


@pytest.fixture
def kortrijk_organiser(db):
    return UserFactory(name="Jurgen De Smet")


@pytest.fixture
def kortrijk(kortrijk_organiser):
    chapter = ChapterFactory(name="BetaGroup Kortrijk", slug="kortrijk")
    chapter.organisers.add(kortrijk_organiser)
    return chapter


@pytest.fixture
def world(charleroi, kortrijk):
    march = held_event(charleroi, "March IT day", 3, 5)
    costs(march, "100.00", category="venue")
    costs(march, "150.00")
    seats(march, 12, 9)
    seats(march, 1, 0, status=Registration.Status.WAITLISTED)
    seats(march, 1, 1, status=Registration.Status.CANCELLED)
    collaboration(march, "3000")
    collaboration(march, "1500")
    collaboration(march, "9999", status=Collaboration.Status.PROPOSED)

    june = held_event(charleroi, "June IT day", 6, 4)
    seats(june, 3, 0)
    collaboration(june, None)

    talk = held_event(charleroi, "Free software talk", 9, 18)
    costs(talk, "45.00", category="speaker")
    costs(talk, "35.50")
    seats(talk, 4, 4)

    costs(held_event(charleroi, "Cancelled", 10, 1, status=Event.Status.CANCELLED), "40.00")
    costs(held_event(charleroi, "Draft", 11, 5, status=Event.Status.DRAFT), "10.00")
    older = held_event(charleroi, "Old IT day", 12, 1, year=YEAR - 1)
    costs(older, "99.00")
    seats(older, 5, 5)
    twelve = held_event(kortrijk, "Kortrijk kick-off", 10, 8)
    costs(twelve, "20.00")
    seats(twelve, 2, 2)
    return {"march": march, "june": june, "talk": talk}


def report_url(chapter, year=YEAR, csv_export=False):
    name = "budget:chapter_report_csv" if csv_export else "budget:chapter_report"
    return reverse(name, args=[chapter.slug, year])


# Figures ------------------------------------------------------------------------------------


EXPECTED_LINES = [
    # title, registrations, checked in, no-show rate, cost, per attendee, collabs, value, per €
    ["March IT day", "12", "9", "25.0%", "€250.00", "€27.78", "2", "€4,500.00", "€18.00"],
    ["June IT day", "3", "0", "100.0%", "€0.00", "—", "1", "€0.00", "—"],
    ["Free software talk", "4", "4", "0.0%", "€80.50", "€20.13", "0", "€0.00", "€0.00"],
]
# 19 confirmed, 13 in: 6/19 = 31.6 %; 330.50 / 13 = 25.42; 4500 / 330.50 = 13.62.
EXPECTED_TOTAL = ["19", "13", "31.6%", "€330.50", "€25.42", "3", "€4,500.00", "€13.62"]


def test_report_shows_hand_computed_figures_per_event_and_in_total(client, organiser, world):
    client.force_login(organiser)
    response = client.get(report_url(world["march"].chapter))
    assert response.status_code == 200
    rows = table_rows(response)
    assert rows[0][:3] == ["Date", "Event", "Registrations"]
    body = [row[1:] for row in rows[1:-1]]  # without the date column
    assert body == EXPECTED_LINES
    assert rows[1][0] == f"05/03/{YEAR}"  # 5 March: day first, in English too
    assert rows[-1] == ["Total: 3 events", *EXPECTED_TOTAL]
    page = response.content.decode()
    for absent in ("Cancelled", "Draft", "Old IT day", "Kortrijk kick-off"):
        assert absent not in page


def test_report_csv_has_the_same_figures_as_plain_numbers(client, organiser, world):
    client.force_login(organiser)
    response = client.get(report_url(world["march"].chapter, csv_export=True))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"budget-charleroi-{YEAR}.csv" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == [
        "date",
        "event",
        "registrations",
        "checked_in",
        "no_show_rate_pct",
        "total_cost_eur",
        "cost_per_attendee_eur",
        "collaborations",
        "collaborations_value_eur",
        "value_per_euro",
    ]
    assert [row[0] for row in rows[1:]] == [
        f"{YEAR}-03-05",
        f"{YEAR}-06-04",
        f"{YEAR}-09-18",
        "TOTAL",
    ]
    assert [row[1:] for row in rows[1:]] == [
        ["March IT day", "12", "9", "25.0", "250.00", "27.78", "2", "4500.00", "18.00"],
        ["June IT day", "3", "0", "100.0", "0.00", "", "1", "0.00", ""],
        ["Free software talk", "4", "4", "0.0", "80.50", "20.13", "0", "0.00", "0.00"],
        ["", "19", "13", "31.6", "330.50", "25.42", "3", "4500.00", "13.62"],
    ]  # fmt: skip


def test_csv_neutralises_formulas_in_event_titles(client, organiser, charleroi):
    event = held_event(charleroi, '=HYPERLINK("http://evil.test")', 4, 2)
    seats(event, 1, 1)
    client.force_login(organiser)
    rows = csv_rows(client.get(report_url(charleroi, csv_export=True)))
    assert rows[1][1] == '\'=HYPERLINK("http://evil.test")'


def test_an_event_not_ended_yet_is_not_held(client, organiser, charleroi):
    now = timezone.now()
    hour = timedelta(hours=1)
    running = EventFactory(chapter=charleroi, title="Running", start=now - hour, end=now + hour)
    costs(running, "12.00")
    ended = EventFactory(chapter=charleroi, title="Ended", start=now - 3 * hour, end=now - hour)
    if timezone.localtime(ended.start).year != now.astimezone(TZ).year:
        pytest.skip("the first hours of a year: the ended event belongs to the previous one")
    report = selectors.chapter_report(chapter=charleroi, year=timezone.localdate().year)
    assert [line.event.title for line in report.lines] == ["Ended"]


def test_overview_puts_chapters_side_by_side_against_the_budget(client, staff, world):
    Budget.objects.create(year=YEAR, chapter=None, amount=Decimal(120000), subsidy=Decimal(60000))
    Budget.objects.create(year=YEAR, chapter=world["march"].chapter, amount=Decimal(2000))
    EventCost.objects.create(
        event=EventFactory(start=datetime(YEAR, 5, 1, 12, tzinfo=TZ)), amount=5
    )
    client.force_login(staff)
    response = client.get(reverse("budget:overview", args=[YEAR]))
    assert response.status_code == 200
    rows = table_rows(response)
    assert rows[1] == ["BetaGroup Charleroi", "3", *EXPECTED_TOTAL, "€2,000.00"]
    assert rows[2] == [
        "BetaGroup Kortrijk", "1", "2", "2", "0.0%", "€20.00", "€10.00", "0", "€0.00", "€0.00", "—"
    ]  # fmt: skip
    assert rows[3][:2] == ["No chapter (Betacowork)", "1"]
    # 19+2+0 confirmed, 13+2 in: 6/21 = 28.6 %; 355.50 / 15 = 23.70; 4500 / 355.50 = 12.66.
    assert rows[-1] == [
        "Total", "5", "21", "15", "28.6%", "€355.50", "€23.70", "3", "€4,500.00", "€12.66", ""
    ]  # fmt: skip
    page = response.content.decode()
    # Spent: 330.50 + 20 + 5 held, 40 cancelled + 10 draft not held = 405.50.
    assert "€405.50" in page
    assert "events held: €355.50; upcoming, draft or cancelled events: €50.00" in page
    assert "€120,000.00" in page
    assert "of which €60,000.00 regional subsidy" in page
    assert "€119,594.50" in page  # left

    export = csv_rows(client.get(reverse("budget:overview_csv", args=[YEAR])))
    assert export[1] == [
        "BetaGroup Charleroi", "3", "19", "13", "31.6", "330.50", "25.42", "3", "4500.00", "13.62",
        "2000.00",
    ]  # fmt: skip
    assert ["spent_eur", "405.50"] in export
    assert ["left_eur", "119594.50"] in export
    assert ["overspent_eur", "0.00"] in export


def test_staff_set_the_years_budgets_from_the_overview(client, staff, charleroi):
    client.force_login(staff)
    url = reverse("budget:overview", args=[YEAR])
    data = {"scope": "community", "amount": "120000", "subsidy": "60000,00", "note": ""}
    assert client.post(url, data).status_code == 302
    data = {"scope": str(charleroi.pk), "amount": "1500.50", "subsidy": ""}
    assert client.post(url, data).status_code == 302
    data = {"scope": "community", "amount": "125000", "subsidy": "60000"}
    assert client.post(url, data).status_code == 302  # replaces, no second row
    budgets = {(b.chapter_id, b.amount, b.subsidy) for b in Budget.objects.filter(year=YEAR)}
    assert budgets == {
        (None, Decimal("125000.00"), Decimal("60000.00")),
        (charleroi.pk, Decimal("1500.50"), Decimal("0.00")),
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"scope": "community", "amount": "100", "subsidy": "200"}, "part of the budget"),
        ({"scope": "community", "amount": "-1"}, "cannot be negative"),
        ({"scope": "community", "amount": "abc"}, "Enter an amount in euros"),
        ({"scope": "community", "amount": "1000000000000"}, "at most"),
        ({"scope": "nowhere", "amount": "100"}, "Select a valid choice"),
    ],
)
def test_bad_budget_input_is_a_form_error(client, staff, data, message):
    client.force_login(staff)
    response = client.post(reverse("budget:overview", args=[YEAR]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Budget.objects.exists()


# Who may see what ---------------------------------------------------------------------------


@pytest.fixture
def people(member, organiser, kortrijk_organiser, staff, charleroi, kortrijk):
    return {
        "anonymous": None,
        "member": member,
        "organiser": organiser,
        "other_organiser": kortrijk_organiser,
        "staff": staff,
    }


REPORT_ACCESS = {"member": 403, "organiser": 200, "other_organiser": 403, "staff": 200}
OVERVIEW_ACCESS = {"member": 403, "organiser": 403, "other_organiser": 403, "staff": 200}


@pytest.mark.parametrize("who", ["anonymous", "member", "organiser", "other_organiser", "staff"])
@pytest.mark.parametrize("page", ["report", "report_csv", "overview", "overview_csv"])
def test_permission_matrix_for_reports(client, people, charleroi, who, page):
    urls = {
        "report": report_url(charleroi),
        "report_csv": report_url(charleroi, csv_export=True),
        "overview": reverse("budget:overview", args=[YEAR]),
        "overview_csv": reverse("budget:overview_csv", args=[YEAR]),
    }
    if people[who]:
        client.force_login(people[who])
    response = client.get(urls[page])
    if who == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        return
    expected = (REPORT_ACCESS if page.startswith("report") else OVERVIEW_ACCESS)[who]
    assert response.status_code == expected


@pytest.mark.parametrize("who", ["member", "organiser", "other_organiser"])
def test_only_staff_set_budgets(client, people, who):
    client.force_login(people[who])
    url = reverse("budget:overview", args=[YEAR])
    response = client.post(url, {"scope": "community", "amount": "1", "subsidy": "0"})
    assert response.status_code == 403
    assert not Budget.objects.exists()


def test_budget_index_sends_each_to_their_page(client, people, charleroi):
    year = timezone.localdate().year
    client.force_login(people["staff"])
    assert client.get("/budget/")["Location"] == reverse("budget:overview", args=[year])
    client.force_login(people["organiser"])
    assert client.get("/budget/")["Location"] == report_url(charleroi, year)
    client.force_login(people["member"])
    assert client.get("/budget/").status_code == 403
    client.logout()
    assert client.get("/budget/")["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(
    "path",
    [
        "/budget/nowhere/2025/",
        "/budget/nowhere/2025.csv",
        "/budget/charleroi/1999/",
        "/budget/charleroi/2101/",
        "/budget/charleroi/2101.csv",
        "/budget/charleroi/abcd/",
        "/budget/charleroi/99999999999999999999999999/",
        "/budget/charleroi/-2025/",
        "/budget/1999/",
        "/budget/2101.csv",
        "/budget/99999999999999999999999999/",
    ],
)
def test_unknown_chapters_and_years_are_404_never_500(client, staff, charleroi, path):
    client.force_login(staff)
    assert client.get(path).status_code == 404


def test_year_picker_links_years_with_events(client, organiser, world):
    client.force_login(organiser)
    response = client.get(report_url(world["march"].chapter))
    page = response.content.decode()
    for year in (YEAR - 1, YEAR, YEAR + 1):
        assert f'href="{report_url(world["march"].chapter, year)}"' in page
    assert f'href="{report_url(world["march"].chapter, YEAR)}" aria-current="page"' in page


# Queries ------------------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def _add_events(chapter, count: int) -> None:
    for i in range(count):
        event = held_event(chapter, f"IT day {i}", 1 + i % 12, 1 + i % 27)
        costs(event, "10.00", "2.50")
        seats(event, 3, 2)
        collaboration(event, "100")


@pytest.mark.parametrize(
    ("who", "name"),
    [
        ("organiser", "budget:chapter_report"),
        ("organiser", "budget:chapter_report_csv"),
        ("staff", "budget:overview"),
        ("staff", "budget:overview_csv"),
    ],
)
def test_queries_are_the_same_for_1_and_30_events(
    client, people, charleroi, kortrijk, django_assert_num_queries, who, name
):
    client.force_login(people[who])
    args = [YEAR] if name.startswith("budget:overview") else [charleroi.slug, YEAR]
    url = reverse(name, args=args)
    _add_events(charleroi, 1)
    _add_events(kortrijk, 1)
    one = _queries(client, url)
    _add_events(charleroi, 29)
    _add_events(kortrijk, 29)
    with django_assert_num_queries(one):
        response = client.get(url)
        if name.endswith("csv"):
            rows = b"".join(response.streaming_content).decode().splitlines()
            if name == "budget:chapter_report_csv":
                assert len(rows) == 32  # header, 30 events, total
            else:
                assert rows[1].startswith("BetaGroup Charleroi,30,")
    if name == "budget:chapter_report":
        assert len(table_rows(client.get(url))) == 32  # header, 30 events, total


# The hook -----------------------------------------------------------------------------------


def test_business_sources_are_summed_and_registered_once(charleroi, monkeypatch):
    event = held_event(charleroi, "IT day", 2, 2)
    collaboration(event, "100")
    monkeypatch.setattr(selectors, "_business_sources", list(selectors._business_sources))

    def grants(event_ids):
        return {event_id: (1, Decimal("50.00")) for event_id in event_ids}

    selectors.register_business_source(grants)
    selectors.register_business_source(grants)
    assert selectors.business_by_event([event.pk]) == {event.pk: (2, Decimal("150.00"))}


def test_events_reads_business_only_through_the_hook():
    """`events` never imports `collaborations`: the collaborations app registers its source."""
    from pathlib import Path

    import events.budget
    from collaborations.apps import business_born_at

    assert business_born_at in selectors._business_sources
    for module in Path(events.budget.__file__).parent.glob("*.py"):
        source = module.read_text()
        assert "import collaborations" not in source, module
        assert "from collaborations" not in source, module


# The demo -----------------------------------------------------------------------------------


def test_demo_events_have_cost_lines_with_the_old_totals_once():
    from events.demo import seed_events
    from members.demo import demo_seeders, new_world

    world = new_world(members=120, log=lambda _msg: None)
    for order, _name, seed in demo_seeders():
        if order <= 30:
            seed(world)
    seed_events(world)  # a second run adds no line

    def total(**filters) -> list[Decimal]:
        return [
            sum(c.amount for c in event.costs.all())
            for event in Event.objects.filter(**filters).prefetch_related("costs")
        ]

    assert total(slug="speed-networking-autumn") == [Decimal("120.00")]
    assert total(slug="speed-networking-winter") == [Decimal("120.00")]
    assert total(slug="free-software-for-freelancers") == [Decimal("80.00")]
    # Chapter evenings cost a few tens of euros (the room is hosted).
    assert Decimal("65.00") in total(title="Switch IT Day")
    past_sn = Event.objects.get(slug="speed-networking-autumn")
    assert {c.category for c in past_sn.costs.all()} == {"food", "other"}


@pytest.mark.parametrize(
    ("language", "rate", "amount"),
    [("fr", "25,0\u00a0%", "250,00\u00a0€"), ("nl", "25,0%", "€\u00a0250,00")],
)
def test_report_writes_rates_the_readers_way(client, organiser, world, language, rate, amount):
    """A no-show rate reads as the language writes a percentage: "25,0 %" with a no-break
    space in French, "25,0%" in Dutch — not the English decimal point nor a space in Dutch."""
    client.force_login(organiser)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(report_url(world["march"].chapter))
    march = next(row for row in table_rows(response) if "March IT day" in row)
    assert march[4:6] == [rate.replace("\u00a0", " "), amount.replace("\u00a0", " ")]
    assert f"<td>{rate}</td>" in response.content.decode()  # the space does not break
