"""Strings of Django's admin that its Dutch catalogue lacks (Django 5.2): named here so that
`makemessages` keeps them in ours, which Django reads before its own (LOCALE_PATHS). Staff
working in Dutch read "Change or view list link" in English on every model table otherwise
(QA). The French ones are Django's own translations, repeated so both catalogues match."""

from django.utils.translation import gettext_noop

# Django's own msgids, typographic apostrophes included.
ADMIN_STRINGS = (
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),  # noqa: RUF001
    gettext_noop("Error:"),
    gettext_noop("Forgotten your login credentials?"),
    gettext_noop("In case you’ve forgotten, you are:"),  # noqa: RUF001
)
