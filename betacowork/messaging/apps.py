from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    """The ground floor for messages: the outbox, its sender, email preferences and the
    message-kind registry. It imports no app of the project; the apps register their kinds
    (their `messages.py`) in their own `ready()`."""

    name = "betacowork.messaging"
    label = "messaging"
    verbose_name = _("Messages")
    default_auto_field = "django.db.models.BigAutoField"
