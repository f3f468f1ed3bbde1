"""allauth's account forms with the site's sentence-case labels ("Remember me", not allauth's
"Remember Me"), and a sign-up that an address's unconfirmed claim by another account does not
block (`AccountSignupForm`). A template cannot relabel a field: betacowork/settings/accounts.py
names these in ACCOUNT_FORMS. (Apart from members/forms.py: allauth's forms import our
SignupForm, named by ACCOUNT_SIGNUP_FORM_CLASS, when they load.)"""

from allauth.account import forms as allauth_forms
from allauth.account.models import EmailAddress
from allauth.core.internal import ratelimit
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy


def _new_password_labels(form) -> None:
    form.fields["password1"].label = _("New password")
    form.fields["password2"].label = _("New password (again)")


class LoginForm(allauth_forms.LoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "remember" in self.fields:  # absent when ACCOUNT_SESSION_REMEMBER decides
            self.fields["remember"].label = _("Remember me")


def only_unconfirmed_claims(email: str) -> bool:
    """Whether the accounts holding `email` hold it only as an unconfirmed extra address
    (no account's main address, none confirmed): claims nobody proved."""
    rows = EmailAddress.objects.filter(email__iexact=email)
    if not rows.exists() or rows.filter(Q(verified=True) | Q(primary=True)).exists():
        return False
    return not get_user_model().objects.filter(email__iexact=email).exists()


class AccountSignupForm(allauth_forms.SignupForm):
    """allauth's sign-up, where an address another member added to their account and never
    confirmed does not keep its owner out: allauth counted it as an account, sent the owner
    an "account already exists" email, and the password reset it points to refuses an
    unconfirmed address (members.adapters) — the owner could never join. The account is
    made and nothing else changes: whoever confirms the address first keeps it (a confirmed
    address is unique), and the other claims go then (`address_claims_drop_unconfirmed`)."""

    claimed_elsewhere = False

    def validate_unique_email(self, value) -> str:
        email = super().validate_unique_email(value)
        if self.account_already_exists and only_unconfirmed_claims(email):
            self.account_already_exists = False
            self.claimed_elsewhere = True
        return email

    def save(self, request):
        if self.claimed_elsewhere:
            # The other account's confirmation email to this address counts against allauth's
            # one-per-3-minutes limit, and its link confirms *their* claim: this account's
            # own confirmation must go.
            ratelimit.clear(
                request,
                app="allauth.account",
                action="confirm_email",
                key=self.cleaned_data["email"].lower(),
            )
        return super().save(request)


class ChangePasswordForm(allauth_forms.ChangePasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["oldpassword"].label = _("Current password")
        _new_password_labels(self)


class ResetPasswordKeyForm(allauth_forms.ResetPasswordKeyForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _new_password_labels(self)


# Django 5.2's Dutch catalogue still has this validator's older wording ("%(min_length)d"),
# so a Dutch sign-up or password page showed it in English: the sentence is in our
# catalogues (which Django reads before its own), named here for makemessages to keep.
PASSWORD_TOO_SHORT = ngettext_lazy(
    "This password is too short. It must contain at least %d character.",
    "This password is too short. It must contain at least %d characters.",
    "min_length",
)
