from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollaborationsConfig(AppConfig):
    name = "collaborations"
    verbose_name = _("Collaborations")

    def ready(self) -> None:
        from events.budget.selectors import register_business_source
        from members.hooks import register_account_delete_step

        from . import integration, messages  # noqa: F401 - its message kinds
        from .services import participants_keep_for_deleted_user

        integration.register()
        # Deleting an account (members.services.account_delete): before the user row goes
        # (SET_NULL), its participations are marked as a former member's.
        register_account_delete_step(
            order=30,
            name="collaborations.participants",
            run=participants_keep_for_deleted_user,
        )
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
