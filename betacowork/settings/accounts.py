"""Accounts: authentication (django-allauth), passwords, the rate limits of logins and of
guest registrations."""

import re
from urllib.parse import urlsplit

from betacowork.environment import refuse as _refuse

from .base import SITE_URL, env

# AUTHENTICATION (django-allauth: https://docs.allauth.org/en/latest/account/configuration.html)
# ------------------------------------------------------------------------------
AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    # Object permissions: every "may this person do this?" (see members/rules.py).
    "rules.permissions.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "name*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
# A signed-in session alone (a shared computer at the space) does not let anyone take the
# account over: changing its addresses, deleting it (members.views.account) and creating an
# API token (api.views.tokens) ask for the password again, good for
# ACCOUNT_REAUTHENTICATION_TIMEOUT (allauth's default, 5 minutes). An account without a
# usable password (imported, never set one) is not asked: allauth has nothing to ask.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
# The owner is told by email (through the outbox, in their language) when the primary address
# changes (at the old one), an address is removed, or the password is changed, set or reset.
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_ADAPTER = "members.adapters.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "members.forms.SignupForm"
# allauth's forms with the site's sentence-case labels ("Remember me", "Current password").
ACCOUNT_FORMS = {
    "login": "members.account_forms.LoginForm",
    "signup": "members.account_forms.AccountSignupForm",
    "change_password": "members.account_forms.ChangePasswordForm",
    "reset_password_from_key": "members.account_forms.ResetPasswordKeyForm",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Betacowork] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = urlsplit(SITE_URL).scheme
# Behind the reverse proxy every request comes from the proxy's address: the rate limits read
# the visitor's from the X-Forwarded-For entry the proxies append (how many proxies we run,
# 1 in docker-compose.yml), or from a header the proxy sets instead (e.g. X-Real-IP).
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("ALLAUTH_TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env.str("ALLAUTH_TRUSTED_CLIENT_IP_HEADER", default="") or None
# Wrong passwords (README, "Configuration"): 10 a minute per address, 5 per 15 minutes per
# address *and* account (members.adapters keys them so: a stranger cannot lock a member out),
# and a softer 50 an hour per account from all addresses together.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/15m/key",
    "login_failed_account": "50/h/key",
}
# Guest registrations one visitor (address) may send (events.views.registration): each takes a
# seat or emails an address's owner their registration again. allauth's rate syntax.
GUEST_REGISTRATION_RATE = env.str("GUEST_REGISTRATION_RATE", default="20/h/ip")
if not re.fullmatch(r"[1-9]\d*/\d*[smhd]/ip(,[1-9]\d*/\d*[smhd]/ip)*", GUEST_REGISTRATION_RATE):
    _refuse(
        "GUEST_REGISTRATION_RATE must be registrations per period per address, e.g. 20/h/ip "
        f"or 5/m/ip,20/h/ip, got {GUEST_REGISTRATION_RATE!r}."
    )
