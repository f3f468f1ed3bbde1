from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("API")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The top floor: it reads every app and registers its own part of "my data".
        from members.panels import register_export_section

        from .selectors import tokens_export

        register_export_section(name="api_tokens", collect=tokens_export, models=["api.ApiToken"])
