from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubmissionsConfig(AppConfig):
    name = "betacowork.submissions"
    label = "submissions"
    verbose_name = _("form submissions")
    default_auto_field = "django.db.models.BigAutoField"
