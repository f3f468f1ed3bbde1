"""The delivery log in the admin: every message with its status, attempts and last error."""

import re

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from .afterwards import NOT_SENT_SUBJECT, RECIPIENT_DELETED, outbox_resend
from .kinds import kind_for
from .models import Outbox

# A secret kind's body (a confirmation or reset link, a sign-in code) is for the mailbox it
# went to alone (MessageKind.secret): the delivery log shows these fields in its place. The
# last error is shown in the staff member's language (`reason_shown`).
_BODY_FIELDS = {"body_text": "shown_body_text", "body_html": "shown_body_html"}
_SHOWN_FIELDS = {**_BODY_FIELDS, "last_error": "shown_last_error"}

# Why a message was not sent, as the delivery log shows it ----------------------------------
# A row's last error is stored as written when it was cancelled: English text, the same for
# every staff member and every language (the delivery checks: betacowork/messaging/checks.py
# and each kind's `obsolete_reasons` in events/ and collaborations/; the outbox's own marks,
# outbox.py; a rendering that failed, sender.py). The log shows the ones known here in the
# staff member's language, by their stored text. Not translated, shown as stored: a mail
# server's answer or an exception's message (records.failure: "SMTPRecipientsRefused: …",
# the part after "Could not be rendered:"), and a reason added elsewhere and not listed here
# (tests/project/test_round7_project.py finds the reasons written in the code).
_REASONS = {
    "Recipient account is inactive.": _("Recipient account is inactive."),
    "Recipient unsubscribed from this kind of message.": _(
        "Recipient unsubscribed from this kind of message."
    ),
    "Recipient address is not verified.": _("Recipient address is not verified."),
    "No email address.": _("No email address."),
    "Event deleted.": _("Event deleted."),
    "Event or follower deleted.": _("Event or follower deleted."),
    "Event has already started.": _("Event has already started."),
    "Event is over.": _("Event is over."),
    "Registration deleted.": _("Registration deleted."),
    "Registration cancelled since the message was written.": _(
        "Registration cancelled since the message was written."
    ),
    "Recipient no longer follows the event's chapter.": _(
        "Recipient no longer follows the event's chapter."
    ),
    "Series has no published date to come.": _("Series has no published date to come."),
    "Participant removed or collaboration deleted.": _(
        "Participant removed or collaboration deleted."
    ),
    "The participant is someone else now.": _("The participant is someone else now."),
    "Collaboration declined meanwhile.": _("Collaboration declined meanwhile."),
    "Collaboration deleted.": _("Collaboration deleted."),
}
# Stored status codes in those reasons ("Event is cancelled.", "Already answered: declined.").
_STATES = {
    "event": {
        "draft": pgettext_lazy("event is", "a draft"),
        "published": pgettext_lazy("event is", "published"),
        "cancelled": pgettext_lazy("event is", "cancelled"),
    },
    "registration": {
        "confirmed": pgettext_lazy("registration is", "confirmed"),
        "waitlisted": pgettext_lazy("registration is", "on the waitlist"),
        "cancelled": pgettext_lazy("registration is", "cancelled"),
    },
    "answer": {
        "pending": pgettext_lazy("already answered", "pending"),
        "confirmed": pgettext_lazy("already answered", "confirmed"),
        "declined": pgettext_lazy("already answered", "declined"),
    },
}
# (pattern of the stored text, its translatable form, which codes its "state" names).
_PATTERNS = [
    (r"Event is (?P<state>\w+)\.", _("Event is %(state)s."), "event"),
    (r"Registration is (?P<state>\w+)\.", _("Registration is %(state)s."), "registration"),
    (r"Registration is (?P<state>\w+) now\.", _("Registration is %(state)s now."), "registration"),
    (r"Already answered: (?P<state>\w+)\.", _("Already answered: %(state)s."), "answer"),
    (
        r"Event moved \(version (?P<old>\d+) → (?P<new>\d+)\): the reminders of the new time "
        r"replace this one\.",
        _(
            "Event moved (version %(old)s → %(new)s): the reminders of the new time replace "
            "this one."
        ),
        None,
    ),
    (
        r"Event moved again \(version (?P<old>\d+) → (?P<new>\d+)\): the newer email tells the "
        r"time it has now\.",
        _(
            "Event moved again (version %(old)s → %(new)s): the newer email tells the time it "
            "has now."
        ),
        None,
    ),
    (
        r"Collaboration changed since \(revision (?P<old>\d+) → (?P<new>\d+)\): a newer "
        r"request asks again\.",
        _("Collaboration changed since (revision %(old)s → %(new)s): a newer request asks again."),
        None,
    ),
    (
        r"Superseded by the (?P<minutes>\d+)-minute reminder\.",
        _("Superseded by the %(minutes)s-minute reminder."),
        None,
    ),
    (r"Unknown message kind (?P<kind>.+)\.", _("Unknown message kind %(kind)s."), None),
    (r"Could not be rendered: (?P<error>.*)", _("Could not be rendered: %(error)s"), None),
]
_COMPILED = [(re.compile(pattern, re.S), text, states) for pattern, text, states in _PATTERNS]


def reason_shown(stored: str) -> str | None:
    """A row's stored last error in the active language, or None when it is not a reason
    known here (a server's answer, an exception): then it is shown as stored."""
    if stored.startswith(RECIPIENT_DELETED):
        # The mark of a deleted account, in front of what the row said before (outbox.py).
        rest = stored[len(RECIPIENT_DELETED) :].strip()
        shown = str(_("Recipient account deleted."))
        return f"{shown} {reason_shown(rest) or rest}" if rest else shown
    if stored in _REASONS:
        return str(_REASONS[stored])
    for pattern, text, states in _COMPILED:
        match = pattern.fullmatch(stored)
        if match is None:
            continue
        values = match.groupdict()
        if states is not None:
            state = _STATES[states].get(values["state"])
            if state is None:
                continue  # a state this list does not know: shown as stored
            values["state"] = state
        return str(text) % values
    return None


def error_shown(obj: Outbox) -> str:
    """A row's last error as the delivery logs show it (this admin, an event's log)."""
    return reason_shown(obj.last_error) or obj.last_error


def subject_shown(obj: Outbox) -> str:
    """A row's subject as the delivery logs show it: a deleted account's placeholder reminder
    (stored with an English mark for a subject) says so in the staff member's language."""
    if obj.subject == NOT_SENT_SUBJECT:
        return str(_("(not sent: account deleted)"))
    return obj.subject


class OutboxTopicFilter(admin.SimpleListFilter):
    """Filter by topic: `?topic=event:42` is the delivery log of event 42 (linked from the
    event admin); the sidebar lists the most recent topics."""

    title = _("topic")
    parameter_name = "topic"

    def lookups(self, request, model_admin):
        topics = (
            Outbox.objects.exclude(topic="")
            .order_by("-created_at")
            .values_list("topic", flat=True)[:500]
        )
        return [(t, t) for t in list(dict.fromkeys(topics))[:20]]

    def queryset(self, request, queryset):
        return queryset.filter(topic=self.value()) if self.value() else queryset


@admin.register(Outbox)
class OutboxAdmin(admin.ModelAdmin):
    """The delivery log: every message with its status, attempts and last error.

    Filter by status (failed rows are the ones to look at), kind and topic; "Send again"
    requeues failed, cancelled or sent rows (pending ones are already on their way).
    """

    list_display = [
        "created_at",
        "kind",
        "topic",
        "to_email",
        "shown_subject",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "short_error",
    ]
    list_filter = ["status", "kind", OutboxTopicFilter, "language"]
    search_fields = ["to_email", "subject", "dedup_key", "topic"]
    readonly_fields = [_SHOWN_FIELDS.get(f.name, f.name) for f in Outbox._meta.fields]
    exclude = list(_SHOWN_FIELDS)  # not editable either: shown by the fields above
    date_hierarchy = "created_at"
    list_per_page = 100
    actions = ["resend"]

    def has_add_permission(self, request):
        return False

    @staticmethod
    def _body(obj: Outbox, field_name: str) -> str:
        kind = kind_for(obj.kind)
        if kind is None or kind.secret:
            return _(
                "Not shown: this message holds a one-time link or code that only the mailbox "
                "it was sent to may see."
            )
        return getattr(obj, field_name)

    @admin.display(description=_("subject"), ordering="subject")
    def shown_subject(self, obj: Outbox) -> str:
        return subject_shown(obj)

    @admin.display(description=_("plain text"))
    def shown_body_text(self, obj: Outbox) -> str:
        return self._body(obj, "body_text")

    @admin.display(description=_("HTML"))
    def shown_body_html(self, obj: Outbox) -> str:
        return self._body(obj, "body_html")

    @admin.display(description=_("last error"))
    def shown_last_error(self, obj: Outbox) -> str:
        return error_shown(obj)

    @admin.display(description=_("last error"))
    def short_error(self, obj: Outbox) -> str:
        shown = error_shown(obj)
        return (shown[:80] + "…") if len(shown) > 80 else shown

    @admin.action(permissions=["change"], description=_("Send again"))
    def resend(self, request, queryset):
        pending = queryset.filter(status=Outbox.Status.PENDING).count()
        ids = list(queryset.values_list("pk", flat=True))
        count = outbox_resend(ids=ids)
        gone = len(ids) - count - pending
        self.message_user(
            request,
            ngettext("%(n)d message queued again.", "%(n)d messages queued again.", count)
            % {"n": count},
            messages.SUCCESS,
        )
        if pending:
            self.message_user(
                request,
                ngettext(
                    "%(n)d pending message left as it is: it is already on its way.",
                    "%(n)d pending messages left as they are: they are already on their way.",
                    pending,
                )
                % {"n": pending},
                messages.WARNING,
            )
        if gone > 0:
            self.message_user(
                request,
                ngettext(
                    "%(n)d message not sent again: its recipient deleted their account.",
                    "%(n)d messages not sent again: their recipients deleted their accounts.",
                    gone,
                )
                % {"n": gone},
                messages.WARNING,
            )
