"""The event admin: filters, inlines and counts (its form in event_form.py); saving goes through
the services."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from .. import services
from ..forms import (
    capacity_bounds,
    reminder_offsets_checked,
)
from ..models import (
    Event,
    EventCost,
    EventKind,
    Registration,
    Speaker,
)
from .deletion import EventDeleteMixin
from .event_actions import EventActionsMixin, may_read_delivery_log
from .event_form import EventAdminForm


class EventKindAdminForm(forms.ModelForm):
    """A kind's default capacity fills in an event's left empty: the same bounds as an
    event's own (a default of 0 would waitlist everyone)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "default_capacity" in self.fields:
            capacity_bounds(self.fields["default_capacity"])
        reminder_offsets_checked(self, when_empty=[])


@admin.register(EventKind)
class EventKindAdmin(admin.ModelAdmin):
    form = EventKindAdminForm
    list_display = [
        "name_en",
        "slug",
        "default_capacity",
        "default_duration_minutes",
        "reminder_offsets_minutes",
    ]
    search_fields = ["name_en", "name_fr", "name_nl", "slug"]

    def get_readonly_fields(self, request, obj=None):
        # Other apps look kinds up by slug ("betacooks"): keep seeded slugs stable.
        return ["slug"] if obj else []


class SpeakerInline(admin.TabularInline):
    model = Speaker
    extra = 0
    raw_id_fields = ["member"]
    fields = ["order", "name", "affiliation", "bio", "member"]


class EventCostInline(admin.TabularInline):
    """What the event cost, line by line (organisers record them at /budget/events/…)."""

    model = EventCost
    extra = 0
    fields = ["category", "description", "amount"]


class RegistrationInline(admin.TabularInline):
    """Read-only here: seats change through the services (locks, waitlist, emails). An event
    of hundreds shows its first `SHOWN` (`EventAdmin.get_formset_kwargs`); the registrations'
    own list has them all, with search, filters and actions (`registrations_link`)."""

    SHOWN = 50
    model = Registration
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["name", "email", "status", "note", "created_at", "checked_in_at"]
    readonly_fields = fields
    ordering = ["status", "waitlisted_at", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


class UpcomingFilter(admin.SimpleListFilter):
    title = _("date")
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [
            ("upcoming", _("Upcoming")),
            ("past", _("Past")),
            ("week", _("Next 7 days")),
            ("month", _("Next 30 days")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        value = self.value()
        if value == "upcoming":
            return queryset.filter(end__gt=now)
        if value == "past":
            return queryset.filter(end__lte=now)
        if value == "week":
            return queryset.filter(start__gte=now, start__lt=now + timedelta(days=7))
        if value == "month":
            return queryset.filter(start__gte=now, start__lt=now + timedelta(days=30))
        return queryset


@admin.register(Event)
class EventAdmin(EventDeleteMixin, EventActionsMixin, admin.ModelAdmin):
    form = EventAdminForm
    list_display = [
        "title",
        "start",
        "kind",
        "chapter",
        "space",
        "status",
        "capacity",
        "confirmed",
        "waitlisted",
        "checked_in",
    ]
    list_filter = [
        "kind",
        "chapter",
        "space",
        "status",
        UpcomingFilter,
        ("start", admin.DateFieldListFilter),
    ]
    search_fields = ["title", "description", "room", "speakers__name"]
    date_hierarchy = "start"
    prepopulated_fields = {"slug": ["title"]}
    raw_id_fields = ["created_by"]
    list_select_related = ["kind", "chapter", "space"]
    readonly_fields = [
        "version",
        "series",
        "series_date",
        "detached",
        "delivery_log_link",
        "registrations_link",
        "history",
    ]
    inlines = [SpeakerInline, EventCostInline, RegistrationInline]
    actions = [
        "delete_selected",  # refused for an event to come with registrants: cancel it
        "action_publish",
        "action_cancel",
        "action_duplicate",
        "action_export_csv",
        "action_mark_attended",
    ]
    fieldsets = [
        (None, {"fields": ["title", "slug", "kind", "status", "visibility", "description"]}),
        (_("When and where"), {"fields": ["start", "end", "space", "room", "chapter"]}),
        (
            _("Registration"),
            {
                "fields": [
                    "capacity",
                    "registration_opens_at",
                    "registration_closes_at",
                    "registrations_link",
                ]
            },
        ),
        (
            _("More"),
            {
                "fields": [
                    "reminder_offsets_minutes",
                    "created_by",
                    "version",
                    "series",
                    "series_date",
                    "detached",
                    "delivery_log_link",
                ]
            },
        ),
        (_("History"), {"fields": ["history"]}),
    ]

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, RegistrationInline) and obj is not None and obj.pk:
            # The first SHOWN rows in the inline's order, each row's event read once (its
            # str() names the event): 400 registrations were 411 queries and 1.5 s.
            first = kwargs["queryset"].filter(event=obj).values("pk")[: inline.SHOWN]
            kwargs["queryset"] = kwargs["queryset"].filter(pk__in=first).select_related("event")
        return kwargs

    @admin.display(description=_("registrations"))
    def registrations_link(self, obj):
        if not obj or not obj.pk:
            return "—"
        url = reverse("admin:events_registration_changelist") + f"?event__id__exact={obj.pk}"
        counts = _("%(confirmed)s confirmed, %(waitlisted)s on the waitlist") % {
            "confirmed": obj.n_confirmed,  # the change view's object: `get_queryset`'s
            "waitlisted": obj.n_waitlisted,
        }
        capped = obj.registrations.count() > RegistrationInline.SHOWN
        return format_html(
            '{} — <a href="{}">{}</a>{}',
            counts,
            url,
            _("all registrations"),
            _(" (the first %(n)s are listed below)") % {"n": RegistrationInline.SHOWN}
            if capped
            else "",
        )

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if may_read_delivery_log(request):
            return fieldsets
        # No link to a page that would answer 403.
        return [
            (
                name,
                {**options, "fields": [f for f in options["fields"] if f != "delivery_log_link"]},
            )
            for name, options in fieldsets
        ]

    def get_queryset(self, request):
        confirmed = Q(registrations__status=Registration.Status.CONFIRMED)
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_confirmed=Count("registrations", filter=confirmed),
                n_waitlisted=Count(
                    "registrations", filter=Q(registrations__status=Registration.Status.WAITLISTED)
                ),
                n_checked_in=Count(
                    "registrations",
                    filter=confirmed & Q(registrations__checked_in_at__isnull=False),
                ),
            )
        )

    @admin.display(description=_("confirmed"), ordering="n_confirmed")
    def confirmed(self, obj):
        return obj.n_confirmed

    @admin.display(description=_("waitlisted"), ordering="n_waitlisted")
    def waitlisted(self, obj):
        return obj.n_waitlisted

    @admin.display(description=_("checked in"), ordering="n_checked_in")
    def checked_in(self, obj):
        return obj.n_checked_in

    @admin.display(description=_("what happened, by whom"))
    def history(self, obj):
        """The event's history (services write it), newest first."""
        if not obj or not obj.pk:
            return "—"
        changes = list(obj.changes.all()[:50])
        if not changes:
            return "—"
        rows = format_html_join(
            "",
            "<li>{} · {}{} — {}</li>",
            (
                (
                    date_format(timezone.localtime(c.at), "DATETIME_FORMAT"),
                    c.get_action_display(),
                    ": " + ", ".join(c.field_labels()) if c.fields else "",
                    c.actor_name or "—",
                )
                for c in changes
            ),
        )
        return format_html("<ol>{}</ol>", rows)

    @admin.display(description=_("delivery log"))
    def delivery_log_link(self, obj):
        if not obj or not obj.pk:
            return "—"
        url = reverse("admin:events_event_delivery", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Emails about this event"))

    def save_model(self, request, obj, form, change):
        if not change:
            self._create(request, obj, form)
            return
        data = {
            name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data
        }
        window = (obj.registration_opens_at, obj.registration_closes_at)
        try:
            services.event_update(event=obj, actor=request.user, data=data)
        except ValidationError as exc:
            # The form already checked; only a registration racing this save gets here.
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return
        obj.refresh_from_db()
        if window != (obj.registration_opens_at, obj.registration_closes_at) and not any(
            name in data for name in ("registration_opens_at", "registration_closes_at")
        ):
            # A new start took the window along (`window_follow_start`): say where it went.
            note = services.window_moved_note(obj)
            if note:
                self.message_user(request, note, messages.INFO)

    def _create(self, request, obj, form) -> None:
        """A new event through the services, like the console's: created as a draft, then
        the admin's extra fields applied, then published (followers announced) if asked.
        `obj` is the instance the inlines are bound to, so it takes the saved row's values."""
        data = form.cleaned_data
        with transaction.atomic():
            event = services.event_create(
                actor=request.user,
                **{name: data[name] for name in services.EVENT_CREATE_FIELDS if name in data},
            )
            extra = {
                name: data[name]
                for name in ("slug", "reminder_offsets_minutes", "created_by")
                if data.get(name) not in (None, "")
            }
            if extra:  # part of the creation: no separate line in the history
                services.event_update(event=event, actor=None, data=extra)
            status = data.get("status") or Event.Status.DRAFT
            if status == Event.Status.PUBLISHED:
                services.event_publish(event=event, actor=request.user)
            elif status != Event.Status.DRAFT:
                services.event_update(event=event, actor=request.user, data={"status": status})
        event.refresh_from_db()
        for field in Event._meta.concrete_fields:
            setattr(obj, field.attname, getattr(event, field.attname))
        obj._state.adding = False
        obj._state.db = event._state.db
