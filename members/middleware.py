from django.conf import settings
from django.utils import translation


def user_language_apply(request, user) -> None:
    """Show the rest of this request in `user`'s stored language, unless they picked another.

    The language cookie (set by the switcher) wins; otherwise the account's preferred language
    applies, which is also what background email uses.
    """
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and user.preferred_language:
        translation.activate(user.preferred_language)
        request.LANGUAGE_CODE = user.preferred_language


class UserLanguageMiddleware:
    """Logged-in people see their stored language unless they just picked another one.

    The request that logs someone in switches in members.signals.signed_in, before the
    "signed in" message is made.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            user_language_apply(request, user)
        return self.get_response(request)
