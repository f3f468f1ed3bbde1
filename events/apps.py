from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events")

    def ready(self) -> None:
        # Message kinds (betacowork/messaging), panels, receivers and demo seeders.
        from members.hooks import register_account_delete_step, register_email_confirmed_step

        from . import demo, messages, panels, signals  # noqa: F401
        from .chapters import messages as chapter_messages  # noqa: F401
        from .console import messages as console_messages  # noqa: F401
        from .services.reminders import reminders_stop_for_deleted_user
        from .speed_networking import demo as networking_demo  # noqa: F401
        from .speed_networking import integration as networking

        networking.register()  # event panel, "my data" section, suggestions exclusion
        # Deleting an account (members.services.account_delete), in this order.
        # Reminders first: the step reads the confirmed seats the next step cancels.
        register_account_delete_step(
            order=10, name="events.reminders", run=reminders_stop_for_deleted_user
        )
        register_account_delete_step(
            order=20,
            name="events.registrations",
            run=signals.registrations_cancel_for_deleted_user,
        )
        register_email_confirmed_step(
            order=10,
            name="events.claim_guest_registrations",
            run=signals.registrations_join_account,
        )
