"""Email preferences and signed one-click unsubscribe (RFC 8058).

Essential messages (account emails, registration confirmations, waitlist promotions, event
changed or cancelled) always go. A kind that names a `preference` (betacowork/messaging/
kinds.py) goes only to members who did not turn that preference off; `notify()` puts a signed
unsubscribe link in its body and `List-Unsubscribe` / `List-Unsubscribe-Post:
List-Unsubscribe=One-Click` headers on it. The list of preferences is the registry's: no
module names another app's kinds.

The choices are kept on the account (`User.email_opt_outs`, the preferences turned off):
the sender reads them from the recipient row it already loads with each message, so the
last check before sending costs no query. The sender checks `wants_email` again just
before sending, so an unsubscribe that arrives after the row was written still counts.
Guests (no account) have no preferences: their messages are about the one event they
registered for, and carry that registration's cancel link instead.

Preference names are stored in accounts and in the signed links of mail already sent: they
never change (a kind may be renamed, its preference not).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.urls import reverse

from .kinds import is_optional_preference, optional_preferences
from .rendering import token_path

UNSUBSCRIBE_SALT = "members.notifications.unsubscribe"  # in every link sent: never change it


def wants_email(user, preference: str) -> bool:
    """Whether `user` wants messages governed by `preference` (always True for essential
    messages and guests)."""
    if user is None or not is_optional_preference(preference):
        return True
    return preference not in (user.email_opt_outs or [])


def unsubscribe_token(user, preference: str) -> str:
    """A signed, non-expiring token naming the member and the preference (RFC 8058 wants
    links that keep working)."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object({"u": user.pk, "k": preference})


def unsubscribe_url(user, preference: str) -> str:
    """The absolute one-click unsubscribe URL for `preference`, for the message body."""
    token = unsubscribe_token(user, preference)
    return f"{settings.SITE_URL}{token_path('notifications:unsubscribe', token)}"


def unsubscribe_headers(user, preference: str) -> dict[str, str]:
    """`List-Unsubscribe` headers for a non-essential message (empty for guests/essential)."""
    if user is None or not is_optional_preference(preference):
        return {}
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(user, preference)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def preferences_url() -> str:
    return f"{settings.SITE_URL}{reverse('notifications:preferences')}"


def unsubscribe_token_read(token: str) -> tuple[int, str] | None:
    """(account id, preference) named by a token we signed, else None (tampered, cut, or of
    a preference that is no longer optional). The account may have been deleted since."""
    try:
        data = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    pk, preference = data.get("u"), data.get("k")
    # Exactly the types unsubscribe_token() writes: int(True) or int(1.5) would name
    # another account, int(inf) raises.
    if type(pk) is not int or not isinstance(preference, str):
        return None
    if not is_optional_preference(preference):
        return None
    return pk, preference


def unsubscribe_token_load(token: str):
    """(user, preference) named by a valid token, else None (tampered, unknown, stale)."""
    named = unsubscribe_token_read(token)
    if named is None:
        return None
    user = get_user_model().objects.filter(pk=named[0]).first()
    return (user, named[1]) if user is not None else None


@transaction.atomic
def email_preference_set(*, user, kind: str, subscribed: bool) -> None:
    """Turn the preference `kind` on or off for `user` (row-locked: two clicks at once lose
    nothing)."""
    preferences = optional_preferences()
    if kind not in preferences:
        raise ValueError(f"{kind!r} is not an optional kind of message.")
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    opt_outs = [k for k in (user.email_opt_outs or []) if k in preferences and k != kind]
    if not subscribed:
        opt_outs.append(kind)
    user.email_opt_outs = sorted(set(opt_outs))
    user.save(update_fields=["email_opt_outs"])


@transaction.atomic
def email_preferences_save(*, user, wanted: set[str]) -> None:
    """Keep exactly the preferences in `wanted` on; turn the others off."""
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    user.email_opt_outs = sorted(k for k in optional_preferences() if k not in wanted)
    user.save(update_fields=["email_opt_outs"])
