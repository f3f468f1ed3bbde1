"""Move `Event.organising_cost` (one number per event) into cost lines, then drop the field.

Every non-zero cost becomes one "other" line described "Organising cost"; a cost above the
€100,000 a line may hold is split into several lines with the same total. A negative cost
cannot be a cost line: the migration stops and names the events to correct first, rather
than losing money silently. Going back sums each event's lines into `organising_cost` and
deletes the lines, so going forward again does not count anything twice.
"""

from decimal import Decimal

from django.db import migrations
from django.db.models import Sum

LINE_MAX = Decimal("100000.00")
DESCRIPTION = "Organising cost"


def lines_from_costs(apps, schema_editor):
    Event = apps.get_model("events", "Event")
    EventCost = apps.get_model("events", "EventCost")
    db = schema_editor.connection.alias
    costs = Event.objects.using(db).exclude(organising_cost=0).order_by("pk")
    negative = list(costs.filter(organising_cost__lt=0).values_list("slug", flat=True)[:20])
    if negative:
        raise RuntimeError(
            "These events have a negative organising cost, which no cost line can hold: "
            f"correct them before migrating: {', '.join(negative)}"
        )
    lines = []
    for event_id, cost in costs.values_list("pk", "organising_cost").iterator():
        left = Decimal(cost)
        while left > 0:
            amount = min(left, LINE_MAX)
            lines.append(
                EventCost(
                    event_id=event_id, category="other", description=DESCRIPTION, amount=amount
                )
            )
            left -= amount
    EventCost.objects.using(db).bulk_create(lines, batch_size=500)


def costs_from_lines(apps, schema_editor):
    Event = apps.get_model("events", "Event")
    EventCost = apps.get_model("events", "EventCost")
    db = schema_editor.connection.alias
    totals = (
        EventCost.objects.using(db)
        .values("event_id")
        .annotate(total=Sum("amount"))
        .values_list("event_id", "total")
    )
    for event_id, total in totals:
        Event.objects.using(db).filter(pk=event_id).update(organising_cost=total)
    EventCost.objects.using(db).all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("events", "0003_budget_speed_networking"),
    ]

    operations = [
        migrations.RunPython(lines_from_costs, costs_from_lines),
        migrations.RemoveField(model_name="event", name="organising_cost"),
    ]
