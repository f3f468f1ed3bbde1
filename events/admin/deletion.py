"""Deleting in the admin what the services must change instead: refused, with the reason.

Django's delete (the delete page and the "Delete selected" action) removes rows without the
services: deleting a confirmed seat would free it without moving the waitlist up, deleting
an event to come would leave its registrants expecting it. `GuardedDeleteMixin` refuses
those (nothing deleted, a message saying what to do instead) on both paths; everything else
is deleted as Django does.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.utils import quote, unquote
from django.db.models import QuerySet
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from betacowork.messaging.models import Outbox
from betacowork.messaging.sender import outbox_render

from ..models import Event, Registration


class GuardedDeleteMixin:
    """Refuse deleting the objects `delete_refused` returns, on the delete page and in the
    "Delete selected" action; `delete_refused_message` says why and what to do instead.
    What is deleted is first given `before_delete` (the emails that must still go written
    out). The admin lists "delete_selected" in its `actions`: ours then takes the place of
    the admin site's."""

    def delete_refused(self, queryset: QuerySet) -> QuerySet:
        raise NotImplementedError

    def delete_refused_message(self, refused: list) -> str:
        raise NotImplementedError

    def before_delete(self, queryset: QuerySet) -> None:
        """What must be done with `queryset` still there (see `_render_unsent`)."""

    def _refuse_delete(self, request, queryset: QuerySet) -> bool:
        refused = list(self.delete_refused(queryset))
        if refused:
            self.message_user(request, self.delete_refused_message(refused), messages.ERROR)
        return bool(refused)

    def delete_model(self, request, obj):
        self.before_delete(self.model.objects.filter(pk=obj.pk))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        self.before_delete(queryset)
        super().delete_queryset(request, queryset)

    @admin.action(
        permissions=["delete"],
        # Django's own words (and translations) for its action.
        description=_("Delete selected %(verbose_name_plural)s"),
    )
    def delete_selected(self, request, queryset):
        """Django's "Delete selected", unless one of the selection may not be deleted: then
        nothing is (before the confirmation page, and again when it is confirmed)."""
        if self._refuse_delete(request, queryset):
            return None
        return django_delete_selected(self, request, queryset)

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and self._refuse_delete(request, self.model.objects.filter(pk=obj.pk)):
            opts = self.model._meta
            return HttpResponseRedirect(
                reverse(
                    f"admin:{opts.app_label}_{opts.model_name}_change",
                    args=[quote(obj.pk)],
                    current_app=self.admin_site.name,
                )
            )
        return super().delete_view(request, object_id, extra_context)


def _names(objects) -> str:
    return ", ".join(f"“{obj}”" for obj in objects)


# The emails that must still go once what they are about is deleted: a cancelled event's
# "cancelled" (the other kinds about an event or a seat are obsolete without it, and their
# delivery checks drop them).
_OUTLIVING = ("events.event_cancelled",)


def _render_unsent(rows: QuerySet) -> None:
    """Write the text of `rows` (kinds of `_OUTLIVING`, written as data and not sent yet:
    rendered from their registration when they go) while what they are written from is
    still there: a cancelled event deleted at once took its registrants' "cancelled" emails
    along unsent (review). They then go as they are."""
    outbox_render(list(rows.filter(status=Outbox.Status.PENDING, subject="", kind__in=_OUTLIVING)))


class RegistrationDeleteMixin(GuardedDeleteMixin):
    """A seat or a waitlist place at an event to come is given up through the cancel action
    (`registration_cancel`: the waitlist moves up in order); once cancelled, or once the
    event has started or been cancelled (no seat to hand over), the row may be deleted."""

    def delete_refused(self, queryset):
        return (
            queryset.active()
            .filter(event__start__gt=timezone.now())
            .exclude(event__status=Event.Status.CANCELLED)
            .select_related("event")
        )

    def before_delete(self, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        topics = {f"event:{e}" for e in queryset.values_list("event_id", flat=True)}
        _render_unsent(Outbox.objects.filter(topic__in=topics, payload__registration__in=ids))

    def delete_refused_message(self, refused: list[Registration]) -> str:
        return ngettext(
            "Nothing was deleted: %(names)s still holds a place at an event to come. Cancel "
            "the registration first (action “%(action)s”), so the waitlist moves up; a "
            "cancelled registration can then be deleted.",
            "Nothing was deleted: %(names)s still hold places at events to come. Cancel the "
            "registrations first (action “%(action)s”), so the waitlist moves up; cancelled "
            "registrations can then be deleted.",
            len(refused),
        ) % {
            "names": _names(refused),
            "action": self.action_cancel.short_description,
        }


class EventDeleteMixin(GuardedDeleteMixin):
    """An event to come with active registrations is cancelled, not deleted (`event_cancel`
    tells its registrants and its calendar entries say so); an event that has started or was
    cancelled, or that nobody registered for, may be deleted."""

    def delete_refused(self, queryset):
        held = Registration.objects.active().values("event_id")
        return (
            queryset.filter(start__gt=timezone.now(), pk__in=held)
            .exclude(status=Event.Status.CANCELLED)
            .order_by("start")
        )

    def before_delete(self, queryset):
        topics = [f"event:{pk}" for pk in queryset.values_list("pk", flat=True)]
        _render_unsent(Outbox.objects.filter(topic__in=topics))

    def delete_refused_message(self, refused: list[Event]) -> str:
        return ngettext(
            "Nothing was deleted: %(names)s has not happened yet and people are registered. "
            "Cancel it instead (action “%(action)s”): its registrants are told. A cancelled "
            "event can then be deleted.",
            "Nothing was deleted: %(names)s have not happened yet and people are registered. "
            "Cancel them instead (action “%(action)s”): their registrants are told. Cancelled "
            "events can then be deleted.",
            len(refused),
        ) % {
            "names": _names(refused),
            "action": self.action_cancel.short_description,
        }
