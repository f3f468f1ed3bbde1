from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events")

    def ready(self) -> None:
        from . import demo, messages, panels, signals  # noqa: F401 - kinds, panels, receivers, seeder
        from .chapters import messages as chapter_messages  # noqa: F401 - its message kind
        from .console import messages as console_messages  # noqa: F401 - organiser notes
        from .speed_networking import demo as networking_demo  # noqa: F401 - its seeder
        from .speed_networking import integration as networking

        networking.register()  # event panel, "my data" section, suggestions exclusion
