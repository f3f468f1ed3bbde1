"""An event's cost lines: the services (who, what amounts), the phone page (list, add, edit,
delete with a confirmation step, no JavaScript), and who may touch whose lines."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from events.budget import services
from events.models import Event, EventCost
from tests.factories import ChapterFactory, UserFactory

from .factories import EventFactory

pytestmark = pytest.mark.django_db


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
def it_day(charleroi):
    return EventFactory(title="Switch IT day", slug="switch-it-day", chapter=charleroi)


@pytest.fixture
def beers(it_day):
    return EventCost.objects.create(event=it_day, category="food", amount=Decimal("42.50"))


# Services -----------------------------------------------------------------------------------


def test_organiser_records_updates_and_deletes_lines(organiser, it_day):
    cost = services.event_cost_add(
        event=it_day, actor=organiser, category="venue", amount="120,5", description=" Room "
    )
    assert (cost.category, cost.amount, cost.description) == ("venue", Decimal("120.50"), "Room")
    services.event_cost_update(cost=cost, actor=organiser, amount=Decimal("99.99"))
    cost.refresh_from_db()
    assert (cost.category, cost.amount) == ("venue", Decimal("99.99"))
    services.event_cost_delete(cost=cost, actor=organiser)
    assert not EventCost.objects.exists()


@pytest.mark.parametrize("who", ["member", "kortrijk_organiser"])
def test_services_refuse_who_does_not_run_the_event(request, who, it_day, beers, kortrijk):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.event_cost_add(event=it_day, actor=actor, category="food", amount="1")
    with pytest.raises(PermissionDenied):
        services.event_cost_update(cost=beers, actor=actor, amount="1")
    with pytest.raises(PermissionDenied):
        services.event_cost_delete(cost=beers, actor=actor)
    assert list(EventCost.objects.values_list("amount", flat=True)) == [Decimal("42.50")]


def test_staff_record_costs_of_an_event_without_chapter(staff, organiser):
    event = EventFactory()
    services.event_cost_add(event=event, actor=staff, category="other", amount=Decimal(3))
    with pytest.raises(PermissionDenied):
        services.event_cost_add(event=event, actor=organiser, category="other", amount="3")
    assert event.costs.get().amount == Decimal("3.00")


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-5", "cannot be negative"),
        (Decimal("-0.01"), "cannot be negative"),
        ("abc", "Enter an amount in euros"),
        ("", "Enter an amount in euros"),
        ("NaN", "Enter an amount in euros"),
        ("Infinity", "Enter an amount in euros"),
        ("1000000000", "€100,000.00 at most"),
        ("1e9", "Enter an amount in euros"),
        ("100000.01", "€100,000.00 at most"),
        ("12.3456", "at most two decimals"),
        ("0.001", "at most two decimals"),
        (Decimal("1e-3"), "at most two decimals"),
    ],
)
def test_service_refuses_bad_amounts_and_writes_nothing(organiser, it_day, amount, message):
    with pytest.raises(ValidationError) as exc:
        services.event_cost_add(event=it_day, actor=organiser, category="food", amount=amount)
    assert message in " ".join(exc.value.message_dict["amount"])
    assert not EventCost.objects.exists()


def test_service_refuses_an_unknown_category_and_a_long_description(organiser, it_day):
    with pytest.raises(ValidationError) as exc:
        services.event_cost_add(event=it_day, actor=organiser, category="beer", amount="1")
    assert "category" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.event_cost_add(
            event=it_day, actor=organiser, category="food", amount="1", description="x" * 201
        )
    assert "description" in exc.value.message_dict
    assert not EventCost.objects.exists()


def test_limits_are_accepted(organiser, it_day):
    for amount in ("0", "100000", "0.01", "1 234,56"):
        services.event_cost_add(event=it_day, actor=organiser, category="food", amount=amount)
    amounts = sorted(EventCost.objects.values_list("amount", flat=True))
    assert amounts == [Decimal("0.00"), Decimal("0.01"), Decimal("1234.56"), Decimal("100000")]


def test_budget_set_is_for_staff_and_keeps_the_subsidy_within(staff, organiser, charleroi):
    with pytest.raises(PermissionDenied):
        services.budget_set(year=2026, chapter=charleroi, amount="10", actor=organiser)
    with pytest.raises(ValidationError) as exc:
        services.budget_set(year=2026, chapter=None, amount="10", subsidy="11", actor=staff)
    assert "subsidy" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.budget_set(year=1999, chapter=None, amount="10", actor=staff)
    budget = services.budget_set(
        year=2026, chapter=None, amount="120000", subsidy="60000", actor=staff
    )
    assert (budget.amount, budget.subsidy) == (Decimal("120000.00"), Decimal("60000.00"))


# The page -----------------------------------------------------------------------------------


def costs_url(event) -> str:
    return reverse("budget:event_costs", kwargs={"slug": event.slug})


def test_page_lists_lines_with_their_total_and_adds_one_without_javascript(
    client, organiser, it_day, beers
):
    client.force_login(organiser)
    page = client.get(costs_url(it_day)).content.decode()
    assert "€42.50" in page
    assert "Food and drinks" in page
    assert "data-cost-total>€42.50<" in page
    assert "<script" not in page.split("</head>")[1]  # no script needed in the page body
    response = client.post(
        costs_url(it_day),
        {"category": "venue", "amount": "1234,5", "description": "Room at Switch"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == costs_url(it_day)
    page = response.content.decode()
    assert "Cost line added." in page
    assert "Room at Switch" in page
    assert "data-cost-total>€1,277.00<" in page


def test_edit_a_line(client, organiser, it_day, beers):
    client.force_login(organiser)
    url = reverse("budget:event_cost_edit", args=[it_day.slug, beers.pk])
    assert 'value="42.50"' in client.get(url).content.decode()
    response = client.post(url, {"category": "food", "amount": "40", "description": "Beers"})
    assert response.status_code == 302
    beers.refresh_from_db()
    assert (beers.amount, beers.description) == (Decimal("40.00"), "Beers")
    response = client.post(url, {"category": "food", "amount": "-40"})
    assert response.status_code == 400
    beers.refresh_from_db()
    assert beers.amount == Decimal("40.00")


def test_delete_asks_first_then_deletes_on_post(client, organiser, it_day, beers):
    client.force_login(organiser)
    url = reverse("budget:event_cost_delete", args=[it_day.slug, beers.pk])
    page = client.get(url).content.decode()
    assert "Delete the cost line of €42.50 (Food and drinks)?" in page
    assert EventCost.objects.filter(pk=beers.pk).exists()
    assert client.post(url)["Location"] == costs_url(it_day)
    assert not EventCost.objects.filter(pk=beers.pk).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"category": "food", "amount": "-5"}, "An amount cannot be negative."),
        ({"category": "food", "amount": "abc"}, "Enter an amount in euros, such as 12.50."),
        ({"category": "food", "amount": "1000000"}, "€100,000.00 at most: please check"),
        ({"category": "food", "amount": "1e3"}, "Enter an amount in euros, such as 12.50."),
        ({"category": "food", "amount": "\u0663"}, "Enter an amount in euros, such as 12.50."),
        ({"category": "food", "amount": "\uff11\uff12"}, "Enter an amount in euros"),
        ({"category": "food", "amount": "NaN"}, "Enter an amount in euros, such as 12.50."),
        ({"category": "food", "amount": "12.3456"}, "Euros and cents only: at most two decimals."),
        ({"category": "food", "amount": ""}, "This field is required."),
        ({"category": "drinks", "amount": "5"}, "Choose a category from the list."),
        ({"amount": "5"}, "This field is required."),
        ({"category": "food", "amount": "5", "description": "x" * 201}, "at most 200"),
    ],
)
def test_bad_input_is_a_form_error_and_nothing_is_written(client, organiser, it_day, data, message):
    client.force_login(organiser)
    response = client.post(costs_url(it_day), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not EventCost.objects.exists()


# Who may touch whose lines ------------------------------------------------------------------


@pytest.fixture
def people(member, organiser, kortrijk_organiser, staff, charleroi, kortrijk):
    return {
        "anonymous": None,
        "member": member,
        "organiser": organiser,
        "other_organiser": kortrijk_organiser,
        "staff": staff,
    }


ALLOWED = {"organiser", "staff"}


@pytest.mark.parametrize("who", ["anonymous", "member", "organiser", "other_organiser", "staff"])
@pytest.mark.parametrize("action", ["list", "add", "edit_form", "edit", "delete_form", "delete"])
def test_permission_matrix_for_cost_pages(client, people, it_day, beers, who, action):
    urls = {
        "list": ("get", costs_url(it_day), None),
        "add": ("post", costs_url(it_day), {"category": "food", "amount": "5"}),
        "edit_form": ("get", reverse("budget:event_cost_edit", args=[it_day.slug, beers.pk]), None),
        "edit": (
            "post",
            reverse("budget:event_cost_edit", args=[it_day.slug, beers.pk]),
            {"category": "venue", "amount": "1"},
        ),
        "delete_form": (
            "get",
            reverse("budget:event_cost_delete", args=[it_day.slug, beers.pk]),
            None,
        ),
        "delete": ("post", reverse("budget:event_cost_delete", args=[it_day.slug, beers.pk]), {}),
    }
    method, url, data = urls[action]
    if people[who]:
        client.force_login(people[who])
    response = getattr(client, method)(url, data or {})
    lines = list(EventCost.objects.values_list("category", "amount"))
    if who == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    elif who in ALLOWED:
        assert response.status_code == (200 if method == "get" else 302)
        changed = {
            "add": [("food", Decimal("42.50")), ("food", Decimal("5.00"))],
            "edit": [("venue", Decimal("1.00"))],
            "delete": [],
        }
        assert lines == changed.get(action, [("food", Decimal("42.50"))])
        return
    else:
        assert response.status_code == 403
    assert lines == [("food", Decimal("42.50"))]  # nothing changed


def test_a_draft_of_another_chapter_is_a_404_for_its_organiser(client, kortrijk_organiser, it_day):
    Event.objects.filter(pk=it_day.pk).update(status=Event.Status.DRAFT)
    client.force_login(kortrijk_organiser)
    assert client.get(costs_url(it_day)).status_code == 404
    response = client.post(costs_url(it_day), {"category": "food", "amount": "5"})
    assert response.status_code == 404
    assert not EventCost.objects.exists()


def test_another_events_line_through_my_event_is_a_404(client, kortrijk_organiser, kortrijk, beers):
    """Jurgen runs a Kortrijk event; Charleroi's line id in his own event's URLs: 404."""
    mine = EventFactory(slug="kortrijk-kick-off", chapter=kortrijk)
    client.force_login(kortrijk_organiser)
    for name in ("budget:event_cost_edit", "budget:event_cost_delete"):
        url = reverse(name, args=[mine.slug, beers.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"category": "venue", "amount": "1"}).status_code == 404
    beers.refresh_from_db()
    assert (beers.category, beers.amount) == ("food", Decimal("42.50"))


def test_unknown_event_is_a_404(client, organiser):
    client.force_login(organiser)
    assert client.get("/budget/events/nothing-here/costs/").status_code == 404


@pytest.mark.parametrize(
    ("language", "maximum"), [("en", "100,000.00"), ("fr", "100\xa0000,00"), ("nl", "100.000,00")]
)
def test_the_maximum_is_written_in_the_readers_number_format(language, maximum):
    from django.utils import translation

    from events.budget.services import parse_euros

    with translation.override(language), pytest.raises(ValidationError) as exc:
        parse_euros("1000000")
    assert maximum in exc.value.messages[0]
