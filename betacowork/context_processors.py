from django.conf import settings


def site(request):
    """Values every page needs: the public site URL and the language choices."""
    return {"SITE_URL": settings.SITE_URL, "LANGUAGE_CHOICES": settings.LANGUAGES}
