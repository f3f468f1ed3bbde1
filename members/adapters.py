"""allauth integration: account emails go through the outbox like every other message (their
kinds are registered in members/messages.py)."""

import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from allauth.core.internal import ratelimit
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.validators import MaxLengthValidator
from django.utils import translation
from django.utils.crypto import get_random_string
from django.utils.http import url_has_allowed_host_and_scheme

from betacowork.messaging import notify_address

from .messages import account_kind_key
from .models import User


@dataclass(frozen=True)
class _Site:
    name: str
    domain: str


def on_site(url: str) -> str:
    """`url` (absolute, or a path) on the site's canonical address, settings.SITE_URL.

    allauth builds the links of its emails from the request (`request.build_absolute_uri`):
    a request that came in through another host ALLOWED_HOSTS lets in (an alias, the proxy's
    internal name, a spoofed Host header where a wildcard is allowed) would send links to that
    host, and over the request's scheme. Every link of an account email goes through here.
    """
    parts = urlsplit(url)
    return f"{settings.SITE_URL}{urlunsplit(('', '', parts.path, parts.query, parts.fragment))}"


def _login_of(credentials: dict) -> str:
    return str(credentials.get("email", credentials.get("username", ""))).lower()


def _deactivated_account_uses(email: str) -> bool:
    """Whether `email` is an address of an account staff deactivated."""
    return (
        get_user_model().objects.filter(is_active=False, email__iexact=email).exists()
        or EmailAddress.objects.filter(user__is_active=False, email__iexact=email).exists()
    )


def _account_holding(email: str) -> User | None:
    """The account whose main or confirmed address `email` is, or None."""
    holder = User.objects.filter(email__iexact=email).first()
    if holder is None:
        address = EmailAddress.objects.filter(email__iexact=email, verified=True).first()
        holder = address.user if address else None
    return holder


class AccountAdapter(DefaultAccountAdapter):
    def is_safe_url(self, url: str) -> bool:
        """Whether `next=` may send the person to `url` after login, logout or sign-up.

        Promises: only targets on the host of this request, in its scheme (or upgraded to
        https); relative paths always qualify. allauth's default also accepts every host of
        ALLOWED_HOSTS and CSRF_TRUSTED_ORIGINS in any scheme, so `next=http://<host>/` would
        drop a visitor from HTTPS to plain HTTP.
        """
        request = allauth_context.request
        if request is None:
            return False
        return url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )

    # Wrong passwords. allauth counts them per address and per account: five from anywhere
    # lock the member out of their own account. Here its per-"key" limit (login_failed) is keyed
    # by address *and* account, and a softer limit counts the account's failures from every
    # address together (login_failed_account in ACCOUNT_RATE_LIMITS). A success rolls back
    # what the attempt consumed, as allauth does.
    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        return f"{ratelimit.get_ip(request)}:{_login_of(credentials)}"

    def pre_authenticate(self, request, **credentials) -> None:
        super().pre_authenticate(request, **credentials)
        self._account_failed_rl_usage = ratelimit.consume(
            request,
            app="allauth.account",
            action="login_failed_account",
            key=_login_of(credentials),
        )
        if not self._account_failed_rl_usage:
            raise self.validation_error("too_many_login_attempts")

    def _rollback_login_failed_rl_usage(self) -> None:
        super()._rollback_login_failed_rl_usage()
        usage = getattr(self, "_account_failed_rl_usage", None)
        if usage:
            usage.rollback()

    def _delete_login_attempts_cached_email(self, request, **credentials) -> None:
        # After a password reset: this address's count and the account-wide one start over.
        super()._delete_login_attempts_cached_email(request, **credentials)
        ratelimit.clear(
            request,
            app="allauth.account",
            action="login_failed_account",
            key=_login_of(credentials),
        )

    # The links of account emails (allauth's documented hooks for the two that carry a key).
    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return on_site(super().get_email_confirmation_url(request, emailconfirmation))

    def get_reset_password_from_key_url(self, key: str) -> str:
        return on_site(super().get_reset_password_from_key_url(key))

    def send_password_reset_mail(self, user, email: str, context: dict) -> None:
        """A reset link only to an address that speaks for the account: a confirmed one, or
        the account's own (a sign-up not confirmed yet may have lost its password).

        allauth also sends it to an address a member added and never confirmed, a typo
        that may be someone else's mailbox: that person's "forgot my password" would open
        the member's account. Such a request gets nothing, like an unknown address would
        from the page (it says the same for every address).
        """
        confirmed = EmailAddress.objects.filter(user=user, email__iexact=email, verified=True)
        if email.casefold() == (user.email or "").casefold() or confirmed.exists():
            super().send_password_reset_mail(user, email, context)

    def send_notification_mail(self, template_prefix, user, context=None, email=None):
        """allauth's security notices (an address added, changed or removed, a new password)
        are the account's own emails: `user` in the context, so the outbox row names the
        account (the delivery log, "my data", what goes when the account is deleted)."""
        super().send_notification_mail(
            template_prefix, user, {"user": user, **(context or {})}, email
        )

    def send_account_already_exists_mail(self, email: str) -> None:
        """A sign-up with an address an account holds: the email goes to that account's
        owner, so it is the account's own — its row names the account ("my data", the
        delivery log, nothing sent again once the account is deleted) — and in its language
        (it was written in the visitor's, and linked to no account)."""
        from allauth.account.internal import flows

        holder = _account_holding(email)
        request = allauth_context.request
        ctx = {
            "signup_url": flows.signup.get_signup_url(request),
            "password_reset_url": flows.password_reset.get_reset_password_url(request),
        }
        if holder is None:
            self.send_mail("account/email/account_already_exists", email, ctx)
            return
        if not holder.is_active:
            # As for `unknown_account`: the reset it points to refuses a deactivated
            # account; the pages send them to the front desk instead.
            return
        with translation.override(holder.preferred_language or settings.LANGUAGE_CODE):
            self.send_mail("account/email/account_already_exists", email, {**ctx, "user": holder})

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        if template_prefix == "account/email/unknown_account" and _deactivated_account_uses(email):
            # allauth looks for active accounts only: the email would tell a deactivated
            # member there is no record of them and invite a sign-up, which answers that
            # the account exists. The pages send them to the front desk instead.
            return
        # The same context allauth's own send_mail builds; the site is named "Betacowork"
        # (there is no django.contrib.sites), its domain is SITE_URL's, not the request's.
        request = allauth_context.request
        ctx = {
            "request": request,
            "email": email,
            "current_site": _Site(name="Betacowork", domain=urlsplit(settings.SITE_URL).netloc),
        }
        ctx.update(context)
        # The links allauth builds without a hook (the sign-up and password-reset links of
        # "account already exists" and "unknown account"): every `*_url` of the context.
        for name, value in context.items():
            if name.endswith("_url") and isinstance(value, str) and value:
                ctx[name] = on_site(value)
        user = context.get("user")
        account = user if getattr(user, "pk", None) else None
        # An account's email speaks the account's language, whoever asked for it and in
        # whatever language (QA: a reset asked from an English browser reached a French
        # member in English; staff adding an address wrote the notice in staff's language).
        # Without a saved language: the language of the moment.
        language = getattr(account, "preferred_language", "") or translation.get_language()
        with translation.override(language or settings.LANGUAGE_CODE):
            notify_address(
                kind=account_kind_key(template_prefix),  # rendered by allauth's render_mail
                to_email=email,
                language=(translation.get_language() or "en")[:2],
                context=ctx,
                # Each account email answers one action of the person (sign-up, reset
                # request), so every call is its own message.
                dedup_key=f"account:{template_prefix.rsplit('/', 1)[-1]}:{uuid.uuid4()}",
                recipient=account,
            )

    def clean_email(self, email: str) -> str:
        """Every address a person types (sign-up, "add an address", password reset).

        Promises: no address longer than the columns that store it (the account's and
        allauth's, 254 characters) gets through. Django's EmailField accepts 320, and allauth
        cuts the user's address to its column on save: the account would get an address
        that no email can reach. Refused here with the same message as the guest
        registration form.
        """
        email = super().clean_email(email)
        limit = min(
            get_user_model()._meta.get_field("email").max_length,
            account_settings.EMAIL_MAX_LENGTH,
        )
        MaxLengthValidator(limit)(email)
        return email

    def respond_email_verification_sent(self, request, user):
        """The "check your inbox" answer to a sign-up, the same for new and taken addresses.

        With mandatory verification allauth answers a sign-up for a taken address here with no
        user and without hashing the password, which a new account pays (PBKDF2, ~0.7 s): the
        response time told whether an address has an account. Hash one too.
        """
        if user is None:
            make_password(get_random_string(32))
        return super().respond_email_verification_sent(request, user)

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.name = form.cleaned_data.get("name", "").strip()
        user.preferred_language = (translation.get_language() or "en")[:2]
        if commit:
            user.save()
        return user
