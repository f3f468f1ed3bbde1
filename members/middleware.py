from allauth.account.internal.flows.email_verification import (
    consume_email_verification_rate_limit,
)
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _


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


# allauth's pages whose answer is a link that no longer works (tampered, used or expired), by
# the context their template gets: the password reset link, the email confirmation link.
_DEAD_LINKS = {
    "account_reset_password_from_key": lambda context: bool(context.get("token_fail")),
    "account_confirm_email": lambda context: context.get("confirmation", True) is None,
}


def _is_allauth_view(request) -> bool:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return False
    view = getattr(match.func, "view_class", match.func)
    return view.__module__.startswith("allauth.")


def _refusal_status(request, context: dict) -> int | None:
    """400 (429 for too many failed logins) when an allauth page refuses what it was sent."""
    dead_link = _DEAD_LINKS.get(request.resolver_match.url_name)
    if dead_link is not None and dead_link(context):
        return 400
    form = context.get("form")
    if request.method != "POST" or form is None or not getattr(form, "is_bound", False):
        return None
    if not form.errors:
        return None
    codes = {error.code for errors in form.errors.as_data().values() for error in errors}
    return 429 if "too_many_login_attempts" in codes else 400


def _resend_refusal_say(request, email: str) -> None:
    mine = EmailAddress.objects.filter(user=request.user, email__iexact=email)
    if mine.exists() and not consume_email_verification_rate_limit(request, email, dry_run=True):
        messages.warning(
            request,
            _(
                "A confirmation email was sent to %(email)s a moment ago, and its link still "
                "works. Check your inbox and your spam folder; you can ask for another one in "
                "a few minutes."
            )
            % {"email": email},
        )


class AccountRefusalStatusMiddleware:
    """allauth's account pages answer a refused form with 400, like the project's own forms.

    allauth shows a form it refuses again (wrong password, wrong current password, taken
    address…) with a 200, and a dead password-reset or confirmation link too. Here such an
    answer keeps its page and gets 400, or 429 when the refusal is the failed-login rate
    limit (allauth's own rate limits answer 429 already). Valid posts still redirect.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        """A second "Re-send verification" on the addresses page within allauth's cooldown (one
        email per address every few minutes: its `confirm_email` rate limit): allauth sends
        nothing, and says nothing either (QA: the page came back without a word). allauth has
        no hook there (flows.email_verification skips the email silently, the link already
        sent being still good): the limit is read beforehand, without using it up, and the
        page says why no email comes."""
        if (
            request.method == "POST"
            and "action_send" in request.POST
            and request.resolver_match.url_name == "account_email"
            and request.user.is_authenticated
            and _is_allauth_view(request)
        ):
            _resend_refusal_say(request, request.POST.get("email", ""))

    def process_exception(self, request, exception):
        """A second "Confirm" on a confirmation link (two tabs, a double click): allauth's
        POST answers 404 for a link it no longer finds; the link's own page instead — it no
        longer works, and what to do (a 400, by `process_template_response`)."""
        match = getattr(request, "resolver_match", None)
        if not (
            isinstance(exception, Http404)
            and request.method == "POST"
            and match is not None
            and match.url_name == "account_confirm_email"
            and _is_allauth_view(request)
        ):
            return None
        request.method = "GET"  # the page a GET of the link shows; nothing is confirmed
        return match.func(request, *match.args, **match.kwargs)

    def process_template_response(self, request, response):
        if response.status_code == 200 and _is_allauth_view(request):
            status = _refusal_status(request, response.context_data or {})
            if status is not None:
                response.status_code = status
        return response


def language_cookie_set(response, language: str) -> None:
    """This browser's language from now on, signed in or not (the switcher's choice, or a
    member's language kept as they sign out for good)."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=False,
    )
