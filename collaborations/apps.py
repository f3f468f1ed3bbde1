from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollaborationsConfig(AppConfig):
    name = "collaborations"
    verbose_name = _("Collaborations")

    def ready(self) -> None:
        from . import integration, messages  # noqa: F401 - its message kinds

        integration.register()
