"""Writes of the budget: an event's cost lines (its organisers and staff) and the year's
budgets (staff).

Amounts are euros with cents, held as `Decimal`: never negative, never more than
`MAX_COST_LINE` on one cost line. Anything else is refused with a `ValidationError` keyed on
the field, in words a volunteer treasurer understands; nothing is written then.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from members.models import Chapter

from ..models import Budget, Event, EventCost
from ..models.budget import MAX_COST_LINE

CENT = Decimal("0.01")
# A year's budget is stored in 11 digits with 2 decimals.
MAX_BUDGET = Decimal("999999999.99")
YEARS = range(2000, 2101)
# What an amount may look like once read by `_decimal_point()`: ASCII
# digits with an optional sign and decimals (`Decimal()` alone also takes "1e3", "NaN",
# Arabic-Indic or full-width digits, which nobody types as euros).
_AMOUNT = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def _decimal_point(typed: str) -> str:
    """Typed euros as `Decimal()` reads them: thousands separators gone, the decimal
    separator a point — "1 234,56", "1.234,56" and "1,234.56" are all 1234.56, as the pages
    write amounts in French and Dutch, and in English. What it cannot read is returned as
    typed (the caller refuses it).

    Thousands are grouped by one kind of separator, in groups of three digits: spaces (any
    kind: no-break, thin), or points or commas. With a point and a comma, or with spaces and
    one of them, the last point or comma is the decimals'. One kind alone, several times,
    groups thousands ("1.000.000"); once, it is the decimals' ("12,50", "12.5") — unless
    three digits follow it after one to three others ("1.500", "1,500"): a thousand and five
    hundred to a Belgian, one and a half to a calculator. Such an amount, and three decimals
    after grouped thousands ("1 500,000"), is refused with the way to write it, never read
    one way in silence (euros have two decimals: "1.500" was saved as €1.50)."""
    text = " ".join(typed.split())  # spaces, no-break spaces and thin spaces alike
    sign, body = (text[0], text[1:]) if text[:1] in ("+", "-") else ("", text)
    spaced = " " in body
    points, commas = body.count("."), body.count(",")
    if spaced and points and commas:
        return typed  # three kinds of separator: not a number as anyone writes one
    if not points and not commas:
        if spaced and not _grouped(body, " "):
            return typed
        return sign + body.replace(" ", "")
    if (points and commas) or spaced:
        decimal = "." if body.rfind(".") > body.rfind(",") else ","
        whole, _sep, fraction = body.rpartition(decimal)
        grouping = " " if spaced else ("," if decimal == "." else ".")
        if not _grouped(whole, grouping) and not (spaced and whole.isdigit()):
            return typed
        _refuse_ambiguous(typed, fraction)
        return f"{sign}{whole.replace(grouping, '')}.{fraction}"
    separator = "." if points else ","
    if points + commas > 1:
        return f"{sign}{body.replace(separator, '')}" if _grouped(body, separator) else typed
    whole, _sep, fraction = body.partition(separator)
    if _grouped(body, separator):
        _refuse_ambiguous(typed, fraction)
    return f"{sign}{whole}.{fraction}"


def _refuse_ambiguous(typed: str, fraction: str) -> None:
    """Three digits after the last separator of grouped thousands: thousands or decimals?"""
    if len(fraction) == 3 and fraction.isdigit():
        raise ValidationError(
            _(
                "“%(amount)s” could be read as thousands or as decimals: write it without a "
                "thousands separator, such as 1500 or 1500.50."
            )
            % {"amount": typed.strip()},
            "ambiguous",
        )


def _grouped(text: str, separator: str) -> bool:
    """Whether `text` is digits in groups of three after the first (1 to 3, not 0),
    separated by `separator`: "1.500.000"."""
    head, *groups = text.split(separator)
    return (
        bool(groups)
        and 1 <= len(head) <= 3
        and head.isascii()
        and head.isdigit()
        and head[0] != "0"
        and all(len(g) == 3 and g.isascii() and g.isdigit() for g in groups)
    )


def parse_euros(value, *, maximum: Decimal = MAX_COST_LINE) -> Decimal:
    """`value` (a Decimal, int or text such as "12.50", "12,50" or "1 234,56") as euros with
    cents (how text is read: `_decimal_point()`).

    Raises a ValidationError (no field) for what is not a number, has more than two
    decimals, is negative or is above `maximum`.
    """
    if isinstance(value, float):
        # Floats carry binary noise (0.1 + 0.2): money comes as text or Decimal.
        value = repr(value)
    text = str(value)
    if not isinstance(value, Decimal | int):
        text = _decimal_point(text)
        if not _AMOUNT.fullmatch(text):
            raise ValidationError(_("Enter an amount in euros, such as 12.50."), "invalid")
    try:
        amount = Decimal(text)
    except (InvalidOperation, ValueError):
        raise ValidationError(_("Enter an amount in euros, such as 12.50."), "invalid") from None
    if amount < 0:
        raise ValidationError(_("An amount cannot be negative."), "negative")
    if amount > maximum:
        raise ValidationError(
            _("€%(max)s at most: please check the amount.")
            % {"max": number_format(maximum, decimal_pos=2, use_l10n=True, force_grouping=True)},
            "too_large",
        )
    if amount != amount.quantize(CENT):
        raise ValidationError(_("Euros and cents only: at most two decimals."), "decimals")
    return amount.quantize(CENT) + 0  # + 0: no "-0.00"


def _euros(value, *, field: str = "amount", maximum: Decimal = MAX_COST_LINE) -> Decimal:
    """`parse_euros`, its error keyed on `field`."""
    try:
        return parse_euros(value, maximum=maximum)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None


def _category(value: str) -> str:
    if value not in EventCost.Category.values:
        raise ValidationError({"category": _("Choose a category from the list.")})
    return value


def _description(value: str) -> str:
    text = (value or "").strip()
    limit = EventCost._meta.get_field("description").max_length
    if len(text) > limit:
        raise ValidationError(
            {"description": _("%(n)s characters at most.") % {"n": limit}},
        )
    return text


def _require_run(event: Event, actor) -> None:
    if actor is None or not actor.has_perm("events.change_event", event):
        raise PermissionDenied(_("Only staff and the chapter's organisers can change its costs."))


@transaction.atomic
def event_cost_add(
    *, event: Event, actor, category: str, amount: Decimal | str, description: str = ""
) -> EventCost:
    """Record one cost line of `event`, if `actor` may run the event (PermissionDenied
    otherwise); bad input raises a ValidationError and writes nothing."""
    _require_run(event, actor)
    cost = EventCost(
        event=event,
        category=_category(category),
        amount=_euros(amount),
        description=_description(description),
    )
    cost.full_clean()
    cost.save()
    return cost


@transaction.atomic
def event_cost_update(
    *,
    cost: EventCost,
    actor,
    category: str | None = None,
    amount: Decimal | str | None = None,
    description: str | None = None,
) -> EventCost:
    """Change the given fields of a cost line (None: unchanged), with the same checks as
    `event_cost_add`."""
    _require_run(cost.event, actor)
    changed = []
    if category is not None:
        cost.category = _category(category)
        changed.append("category")
    if amount is not None:
        cost.amount = _euros(amount)
        changed.append("amount")
    if description is not None:
        cost.description = _description(description)
        changed.append("description")
    if changed:
        cost.full_clean()
        cost.save(update_fields=changed)
    return cost


@transaction.atomic
def event_cost_delete(*, cost: EventCost, actor) -> None:
    """Delete a cost line, if `actor` may run its event."""
    _require_run(cost.event, actor)
    cost.delete()


@transaction.atomic
def budget_set(
    *,
    year: int,
    chapter: Chapter | None,
    amount: Decimal | str,
    subsidy: Decimal | str = Decimal(0),
    actor,
    note: str = "",
) -> Budget:
    """Set the `year`'s budget of `chapter` (None: the whole community), creating it or
    replacing its amounts. Staff only (`members.view_budget_overview`); the subsidy is part
    of the budget, so it may not exceed it."""
    if actor is None or not actor.has_perm("members.view_budget_overview"):
        raise PermissionDenied(_("Only staff set budgets."))
    if year not in YEARS:
        raise ValidationError({"year": _("Choose a year between 2000 and 2100.")})
    amount = _euros(amount, maximum=MAX_BUDGET)
    subsidy = _euros(subsidy, field="subsidy", maximum=MAX_BUDGET)
    if subsidy > amount:
        raise ValidationError({"subsidy": _("The subsidy is part of the budget: not more.")})
    # No default ordering: it joins the chapter, and FOR UPDATE refuses an outer join.
    budget = (
        Budget.objects.select_for_update().filter(year=year, chapter=chapter).order_by("pk").first()
    )
    if budget is None:
        budget = Budget(year=year, chapter=chapter)
    budget.amount, budget.subsidy, budget.note = amount, subsidy, (note or "").strip()[:255]
    budget.full_clean()
    try:
        with transaction.atomic():
            budget.save()
    except IntegrityError as exc:
        # Two staff created the same year's budget at once: the other one is saved.
        raise ValidationError(
            _("This budget was just set by someone else: reload the page and try again.")
        ) from exc
    return budget
