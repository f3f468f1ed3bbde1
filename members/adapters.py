"""allauth integration: account emails go through the outbox like every other message."""

import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.utils import translation

from .outbox import RenderedMessage, outbox_write


@dataclass(frozen=True)
class _Site:
    name: str
    domain: str


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # The same context allauth's own send_mail builds; the site is named "Betacowork"
        # (there is no django.contrib.sites), its domain is the one the person used.
        request = allauth_context.request
        ctx = {
            "request": request,
            "email": email,
            "current_site": _Site(
                name="Betacowork",
                domain=request.get_host() if request else urlsplit(settings.SITE_URL).netloc,
            ),
        }
        ctx.update(context)
        msg = self.render_mail(template_prefix, email, ctx)
        html = next(
            (body for body, mime in getattr(msg, "alternatives", []) if mime == "text/html"), ""
        )
        user = context.get("user")
        language = translation.get_language() or "en"
        outbox_write(
            # Each account email answers one action of the person (sign-up, reset request),
            # so every call is its own message.
            dedup_key=f"account:{template_prefix.rsplit('/', 1)[-1]}:{uuid.uuid4()}",
            kind=f"account.{template_prefix.rsplit('/', 1)[-1]}",
            to_email=email,
            language=language[:2],
            message=RenderedMessage(subject=msg.subject, text=msg.body, html=html),
            recipient=user if getattr(user, "pk", None) else None,
        )

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.name = form.cleaned_data.get("name", "").strip()
        user.preferred_language = (translation.get_language() or "en")[:2]
        if commit:
            user.save()
        return user
