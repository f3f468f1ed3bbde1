import rules
from django.conf import settings


def site(request):
    """Values every page needs: the public site URL, the language choices, and whether the
    navigation offers the organiser console (asked of the rule itself, lazily: Django's
    permission backend would read the user's group permissions on every page)."""
    user = getattr(request, "user", None)
    return {
        "SITE_URL": settings.SITE_URL,
        "LANGUAGE_CHOICES": settings.LANGUAGES,
        "can_organise": lambda: rules.has_perm("members.use_organiser_console", user),
    }
