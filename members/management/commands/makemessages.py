"""`makemessages` that also extracts `_lazy(...)`: modules import `gettext_lazy as _lazy`
beside `gettext as _` (a view needs both), and xgettext knows neither name by itself."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_lazy"]
