"""The account emails' kinds (betacowork/messaging): one per allauth email template.

allauth chooses the template (`account/email/<name>`: sign-up confirmation, password
reset…); `members.adapters.AccountAdapter.send_mail` sends it with
`notify_address(kind="account.<name>", …)`. Account emails are essential (no preference)
and are rendered by allauth's own `render_mail` (its `_message.txt` / `_message.html`
names and subject prefix), in the language of the request that caused them. They greet
by first name the account whose verified address they go to, else name the site.
"""

from __future__ import annotations

from betacowork.messaging import MessageKind, register_kind
from betacowork.messaging.rendering import RenderedMessage

# Every email allauth's account app can send (its templates account/email/*_subject.txt).
ACCOUNT_EMAILS = (
    "account_already_exists",
    "email_added",  # ours: members.signals.email_added_notify
    "email_changed",
    "email_confirm",
    "email_confirmation",
    "email_confirmation_signup",
    "email_deleted",
    "login_code",
    "password_changed",
    "password_reset",
    "password_reset_code",
    "password_reset_key",
    "password_set",
    "unknown_account",
)
# Those whose body holds a key for the mailbox alone: a confirmation or reset link, a code.
# Their text is never shown but in that mailbox (MessageKind.secret).
SECRET_ACCOUNT_EMAILS = frozenset(
    {
        "email_confirmation",
        "email_confirmation_signup",
        "login_code",
        "password_reset_code",
        "password_reset_key",
    }
)


class AccountEmail(MessageKind):
    """An email allauth sends about the account itself (always sent: essential)."""

    def template_names(self) -> tuple[str, str, str]:
        p = self.template_prefix
        return f"{p}_subject.txt", f"{p}_message.txt", f"{p}_message.html"

    def message(self, *, context: dict, language: str) -> RenderedMessage:
        from allauth.account.adapter import get_adapter
        from django.utils import translation

        context = {**context, "greeting_name": _greeting_name(context)}
        with translation.override(language):
            mail = get_adapter().render_mail(self.template_prefix, context["email"], context)
        html = next(
            (body for body, mime in getattr(mail, "alternatives", []) if mime == "text/html"), ""
        )
        return RenderedMessage(subject=mail.subject, text=mail.body, html=html)


def _greeting_name(context: dict) -> str:
    """The first name an account email greets its reader with (templates/account/email/
    base_message.txt): that of the account whose verified address it goes to (the context's
    `user`, if named). Else none: the name typed at a sign-up is anyone's text, and must not
    reach an address its owner never gave (the site greets instead)."""
    from allauth.account.models import EmailAddress

    email, user = context.get("email"), context.get("user")
    if not email:
        return ""
    verified = EmailAddress.objects.filter(email__iexact=email, verified=True)
    if getattr(user, "pk", None):
        verified = verified.filter(user=user)
    address = verified.select_related("user").first()
    return address.user.get_short_name() if address is not None else ""


def account_kind_key(template_prefix: str) -> str:
    """`account/email/password_reset_key` → `account.password_reset_key`."""
    return f"account.{template_prefix.rsplit('/', 1)[-1]}"


for _name in ACCOUNT_EMAILS:
    register_kind(
        type(
            f"Account_{_name}",
            (AccountEmail,),
            {
                "key": f"account.{_name}",
                "template_prefix": f"account/email/{_name}",
                "secret": _name in SECRET_ACCOUNT_EMAILS,
            },
        )
    )
