from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")

    def ready(self) -> None:
        from . import demo, exports, home, signals  # noqa: F401 - receivers, panels, seeders
        from .hooks import register_account_delete_step
        from .outbox import outbox_cancel_for_deleted_user

        register_account_delete_step(
            order=90, name="members.outbox", run=outbox_cancel_for_deleted_user
        )
