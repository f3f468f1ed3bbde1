"""Rendering reminders: the kind's templates, a reminder's context and each person's links.

A sweep writes thousands at once, so `ReminderRenderer` renders the templates once per
language and kind of recipient, with tokens in place of the personal parts, and substitutes
each person's values; `ReminderLinks` signs their links with the keys derived once per sweep.
`reminder_message()` renders one reminder whole (the same bytes, tested). A registration here
is a `Registration` or the sweep's row of values (`reminders._Seat`): both have the attributes
read.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.html import escape

from betacowork.messaging.preferences import UNSUBSCRIBE_SALT, preferences_url, unsubscribe_url
from betacowork.messaging.rendering import (
    KeptKeySigner,
    KeptKeyTimestampSigner,
    RenderedMessage,
    subject_line,
    token_paths,
)

from ..messages import Reminder
from ..models import Event, Registration
from .common import GUEST_CANCEL_SALT, absolute_url, guest_cancel_url

# The personal parts of a reminder: the templates are rendered once per language with these
# tokens in their place, then each person's values are substituted (HTML-escaped in HTML).
_PERSONAL = ("name", "cancel_url", "unsubscribe_url")


def _token(field_name: str) -> str:
    return f"@@betacowork-{field_name}@@"


def reminder_context(
    *, event: Event, offset: int, personal: dict[str, str], with_preferences: bool
) -> dict:
    return {
        "event": event,
        "offset_hours": offset // 60,
        "offset_minutes": offset,
        "start": timezone.localtime(event.start),
        "end": timezone.localtime(event.end),
        "place": event.place,
        "event_url": absolute_url(event.get_absolute_url()),
        "preferences_url": preferences_url() if with_preferences else "",
        "site_url": settings.SITE_URL,
        **personal,
    }


def personal_values(
    registration, user, unsubscribe: str, cancel_url: str | None = None
) -> dict[str, str]:
    return {
        "name": (user.get_short_name() if user else "") or registration.greeting_name,
        "cancel_url": guest_cancel_url(registration) if cancel_url is None else cancel_url,
        "unsubscribe_url": unsubscribe,
    }


class ReminderLinks:
    """The per-person links of one sweep, as `guest_cancel_url()` and `unsubscribe_url()`
    write them (tests/events/test_reminder_links.py), with the signers' keys derived and
    the paths reversed once per sweep instead of once per link (a third of the sweep's
    CPU went to its 14,000 links for 7,000 reminders)."""

    def __init__(self) -> None:
        self.cancel_signer = KeptKeyTimestampSigner(salt=GUEST_CANCEL_SALT)
        self.unsubscribe_signer = KeptKeySigner(salt=UNSUBSCRIBE_SALT)
        self.cancel_path = token_paths("events:guest_cancel")
        self.unsubscribe_path = token_paths("notifications:unsubscribe")

    def cancel(self, registration) -> str:
        # guest_cancel_token(): signing.dumps() of the same object, salt and serializer.
        token = self.cancel_signer.sign_object(
            {"r": registration.pk, "e": registration.email.lower()}
        )
        return absolute_url(self.cancel_path(token))

    def unsubscribe(self, user) -> str:
        # unsubscribe_token(): Signer(salt=UNSUBSCRIBE_SALT).sign_object() of the same object.
        token = self.unsubscribe_signer.sign_object({"u": user.pk, "k": Reminder.preference})
        return f"{settings.SITE_URL}{self.unsubscribe_path(token)}"


def reminder_templates() -> tuple:
    """The kind's subject, text and HTML templates, compiled once per sweep (with DEBUG on,
    Django re-reads and re-compiles a template at every render)."""
    prefix = Reminder.template_prefix
    return tuple(
        get_template(name) for name in (f"{prefix}_subject.txt", f"{prefix}.txt", f"{prefix}.html")
    )


def _render(templates: tuple, context: dict, language: str) -> RenderedMessage:
    subject, text, html = templates
    with translation.override(language):
        return RenderedMessage(
            subject=subject_line(subject.render(context)),
            text=text.render(context),
            html=html.render(context),
        )


def reminder_message(
    *, event: Event, registration: Registration, offset: int, user, language: str
) -> RenderedMessage:
    """Render one reminder (subject, text, HTML) for `registration`."""
    unsubscribe = unsubscribe_url(user, Reminder.preference) if user else ""
    context = reminder_context(
        event=event,
        offset=offset,
        personal=personal_values(registration, user, unsubscribe),
        with_preferences=user is not None,
    )
    return _render(reminder_templates(), context, language)


class ReminderRenderer:
    """Renders the reminders of one (event, offset): templates once per language and kind of
    recipient, then each person's values substituted."""

    def __init__(self, event: Event, offset: int):
        self.event, self.offset = event, offset
        self.templates = reminder_templates()
        self.cache: dict[tuple[str, bool], RenderedMessage] = {}

    def render(self, *, personal: dict[str, str], member: bool, language: str):
        key = (language, member)
        if key not in self.cache:
            context = reminder_context(
                event=self.event,
                offset=self.offset,
                personal={
                    f: _token(f) if (member or f != "unsubscribe_url") else "" for f in _PERSONAL
                },
                with_preferences=member,
            )
            self.cache[key] = _render(self.templates, context, language)
        shared = self.cache[key]
        text, html = shared.text, shared.html
        for field_name, value in personal.items():
            text = text.replace(_token(field_name), value)
            html = html.replace(_token(field_name), escape(value))
        return RenderedMessage(subject=shared.subject, text=text, html=html)
