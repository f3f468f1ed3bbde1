"""The delivery log in the admin: every message with its status, attempts and last error."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .kinds import kind_for
from .models import Outbox
from .outbox import outbox_resend

# A secret kind's body (a confirmation or reset link, a sign-in code) is for the mailbox it
# went to alone (MessageKind.secret): the delivery log shows these fields in its place.
_BODY_FIELDS = {"body_text": "shown_body_text", "body_html": "shown_body_html"}


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
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "short_error",
    ]
    list_filter = ["status", "kind", OutboxTopicFilter, "language"]
    search_fields = ["to_email", "subject", "dedup_key", "topic"]
    readonly_fields = [_BODY_FIELDS.get(f.name, f.name) for f in Outbox._meta.fields]
    exclude = list(_BODY_FIELDS)  # not editable either: shown by the fields above
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

    @admin.display(description=_("plain text"))
    def shown_body_text(self, obj: Outbox) -> str:
        return self._body(obj, "body_text")

    @admin.display(description=_("HTML"))
    def shown_body_html(self, obj: Outbox) -> str:
        return self._body(obj, "body_html")

    @admin.display(description=_("last error"))
    def short_error(self, obj: Outbox) -> str:
        return (obj.last_error[:80] + "…") if len(obj.last_error) > 80 else obj.last_error

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
