"""allauth's account forms with the site's sentence-case labels ("Remember me", not allauth's
"Remember Me"). A template cannot relabel a field: betacowork/settings/accounts.py names these
in ACCOUNT_FORMS. (Apart from members/forms.py: allauth's forms import our SignupForm, named by
ACCOUNT_SIGNUP_FORM_CLASS, when they load.)"""

from allauth.account import forms as allauth_forms
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
