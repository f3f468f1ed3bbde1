from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollaborationsConfig(AppConfig):
    name = "collaborations"
    verbose_name = _("Collaborations")

    def ready(self) -> None:
        from events.budget.selectors import register_business_source

        from . import integration, messages  # noqa: F401 - its message kinds

        integration.register()
        # The dashboard's tallies follow changes made outside the services (admin, deletions).
        from .services.summary import connect_signals

        connect_signals()
        # The budget reports (events) count the business born at each event through this.
        register_business_source(business_born_at)


def business_born_at(event_ids: list[int]) -> dict:
    """{event id: (confirmed collaborations that began there, their value in €)}, one query."""
    from django.db.models import Count, Sum

    from .models import Collaboration

    rows = (
        Collaboration.objects.confirmed()
        .filter(origin_event_id__in=event_ids)
        .values("origin_event_id")
        .annotate(n=Count("pk"), value=Sum("value_eur"))
        .order_by()
    )
    return {r["origin_event_id"]: (r["n"], r["value"]) for r in rows}
