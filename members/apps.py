from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")

    def ready(self) -> None:
        from betacowork import checks  # noqa: F401 - the project's system checks
        from betacowork.messaging.afterwards import outbox_cancel_for_deleted_user

        from . import (  # noqa: F401 - receivers, panels, seeders
            demo,
            exports,
            home,
            messages,
            signals,
        )
        from .hooks import (
            register_account_delete_step,
            register_email_confirmed_step,
            register_signed_in_step,
        )
        from .services import address_claims_drop_unconfirmed, profile_unhide_on_first_login

        register_account_delete_step(
            order=90, name="messaging.outbox", run=outbox_cancel_for_deleted_user
        )
        register_email_confirmed_step(
            order=5, name="members.address_claims", run=address_claims_drop_unconfirmed
        )
        register_signed_in_step(
            order=10,
            name="members.unhide_imported",
            run=lambda *, user, request: profile_unhide_on_first_login(user=user),
        )
