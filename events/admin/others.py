"""Registrations, series, budgets and calendar tokens in the admin."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from members.forms import PersonNameField

from .. import services
from ..forms import SHOWN_TEXT_FIELDS, capacity_bounds
from ..models import (
    Budget,
    CalendarToken,
    EventSeries,
    Registration,
)
from ..recurrence import RecurrenceField, rrule_describe
from ..views.common import series_followed_messages
from .deletion import RegistrationDeleteMixin


class RegistrationAdminForm(forms.ModelForm):
    """A seat's name, address, language and note. Its event and member are read-only, so
    left out of the form, and Django then skips the constraints that name them: one active
    seat per address at an event (any letter case) is asked here, on the address typed.
    The name is cleaned as the guest form cleans it (it greets them in every email)."""

    class Meta:
        field_classes = {"name": PersonNameField}

    def validate_unique(self):
        super().validate_unique()
        if "email" not in self.fields or self.has_error("email"):
            return
        try:
            # The event and member are the seat's own, unchanged: only the address can
            # make another seat's constraint fail.
            self.instance.validate_constraints()
        except ValidationError as exc:
            self.add_error("email", exc.messages)


@admin.register(Registration)
class RegistrationAdmin(RegistrationDeleteMixin, admin.ModelAdmin):
    form = RegistrationAdminForm
    list_display = ["who", "email", "event", "status", "created_at", "checked_in_at"]
    list_filter = ["status", "event__kind", ("checked_in_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "email", "event__title"]
    list_select_related = ["event"]
    raw_id_fields = ["event", "user"]
    readonly_fields = [
        "event",
        "user",
        "status",
        "created_at",
        "waitlisted_at",
        "confirmed_at",
        "cancelled_at",
        "checked_in_at",
        "checked_in_by",
    ]
    # Deleting a place at an event to come is refused: cancelling moves the waitlist up.
    actions = ["delete_selected", "action_check_in", "action_cancel"]

    def has_add_permission(self, request):
        # Seats are taken through the registration service (lock, waitlist, emails).
        return False

    @admin.display(description=_("name"), ordering="name")
    def who(self, obj):
        return obj.display_name  # "A former member" for a row erased with its account

    def get_readonly_fields(self, request, obj=None):
        # A former member's row was erased with their account: nothing personal is typed
        # back into it (it would reach the lists, the CSV and the door list again).
        erased = ["name", "email", "note"] if obj is not None and obj.former_member else []
        return [*self.readonly_fields, *erased]

    @admin.action(permissions=["change"], description=_("Mark as attended (check in)"))
    def action_check_in(self, request, queryset):
        done, refused = 0, {}
        for registration in queryset:
            try:
                services.registration_check_in(registration=registration, actor=request.user)
                done += 1
            except ValidationError as exc:
                # The service's own reason (not confirmed; the event cancelled…), once each.
                reason = " ".join(exc.messages)
                refused[reason] = refused.get(reason, 0) + 1
        self.message_user(request, _("%(done)s checked in.") % {"done": done})
        for reason, n in refused.items():
            self.message_user(
                request,
                _("%(n)s not checked in: %(reason)s") % {"n": n, "reason": reason},
                messages.WARNING,
            )

    @admin.action(
        permissions=["change"],
        description=_("Cancel the selected registrations (the waitlist moves up)"),
    )
    def action_cancel(self, request, queryset):
        done = 0
        # Already cancelled ones change nothing: they are not counted.
        for registration in queryset.exclude(status=Registration.Status.CANCELLED):
            try:
                services.registration_cancel(registration=registration, actor=request.user)
                done += 1
            except ValidationError as exc:
                self.message_user(
                    request, f"{registration}: {' '.join(exc.messages)}", messages.ERROR
                )
        self.message_user(
            request,
            ngettext("%(n)s registration cancelled.", "%(n)s registrations cancelled.", done)
            % {"n": done},
        )


class EventSeriesAdminForm(forms.ModelForm):
    """The recurrence picker (no raw RRULE typing); refuses a rule that generates no date."""

    rrule = RecurrenceField(help_text=_("For example monthly, on the first Thursday."))

    class Meta:
        field_classes = SHOWN_TEXT_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A rule set by hand before the picker existed is kept, not lost, when editing.
        self.fields["rrule"].keep_current(self.instance.rrule if self.instance.pk else "")
        if "capacity" in self.fields:
            capacity_bounds(self.fields["capacity"])  # the console's bounds

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        candidate = EventSeries(
            **{k: v for k, v in cleaned.items() if k in {f.name for f in EventSeries._meta.fields}}
        )
        try:
            services.series_rule(candidate)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict.get("rrule", exc.messages)) from exc
        return cleaned


@admin.register(EventSeries)
class EventSeriesAdmin(admin.ModelAdmin):
    form = EventSeriesAdminForm
    list_display = [
        "title",
        "kind",
        "repeats",
        "start_time",
        "space",
        "chapter",
        "active",
        "generated_until",
    ]
    list_filter = ["kind", "chapter", "space", "active"]
    search_fields = ["title"]
    readonly_fields = ["generated_until"]
    # The form's order (an abstract base puts the shared fields first otherwise).
    fields = [*services.SERIES_FIELDS, "weeks_ahead", "active", "generated_until"]
    actions = ["action_generate"]

    @admin.display(description=_("repeats"), ordering="rrule")
    def repeats(self, obj):
        return rrule_describe(obj.rrule)

    def save_model(self, request, obj, form, change):
        """A change reaches the upcoming occurrences that still follow the series, as from
        the console (`series_follow`), in the same transaction; then, as the console does,
        an active series generates its next weeks at once (a new series, a later last date,
        more weeks ahead, a reactivation: not an hour later by the periodic task). The page
        says what it did."""
        followed = None
        with transaction.atomic():
            if change:
                before = EventSeries.objects.select_for_update().get(pk=obj.pk)
                super().save_model(request, obj, form, change)
                followed = services.series_follow(before=before, series=obj, actor=request.user)
            else:
                super().save_model(request, obj, form, change)
            generated = (
                services.series_generate(series=obj, actor=request.user) if obj.active else []
            )
        if followed is not None:
            series_followed_messages(request, followed, created=True)
        if generated:
            self.message_user(
                request,
                ngettext(
                    "%(n)s new occurrence is generated.",
                    "%(n)s new occurrences are generated.",
                    len(generated),
                )
                % {"n": len(generated)},
            )

    @admin.action(permissions=["change"], description=_("Generate the next occurrences"))
    def action_generate(self, request, queryset):
        for series in queryset:
            if not series.active:
                self.message_user(
                    request,
                    _("%(series)s: stopped (not active), so nothing is generated.")
                    % {"series": series},
                    messages.WARNING,
                )
                continue
            try:
                created = services.series_generate(series=series, actor=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{series}: {' '.join(exc.messages)}", messages.ERROR)
                continue
            self.message_user(
                request,
                ngettext(
                    "%(series)s: %(n)s occurrence created.",
                    "%(series)s: %(n)s occurrences created.",
                    len(created),
                )
                % {"series": series, "n": len(created)},
            )


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    """The year's budgets: the community's (no chapter) and each chapter's."""

    list_display = ["year", "chapter", "amount", "subsidy", "note"]
    list_filter = ["year", "chapter"]
    list_select_related = ["chapter"]


@admin.register(CalendarToken)
class CalendarTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]
    readonly_fields = ["token", "created_at"]
