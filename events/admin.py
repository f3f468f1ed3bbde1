"""Staff run events here: filters, counts, registrations inline, actions, delivery log."""

from __future__ import annotations

import csv
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from betacowork.numbers import parse_ids
from members.models import Outbox
from members.outbox import outbox_render, outbox_resend

from . import services
from .models import (
    Budget,
    CalendarToken,
    Event,
    EventCost,
    EventKind,
    EventSeries,
    Registration,
    Speaker,
)
from .recurrence import RecurrenceField, rrule_describe


@admin.register(EventKind)
class EventKindAdmin(admin.ModelAdmin):
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
    """Read-only here: seats change through the services (locks, waitlist, emails)."""

    model = Registration
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["name", "email", "status", "note", "created_at", "checked_in_at"]
    readonly_fields = fields
    ordering = ["status", "waitlisted_at", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


class EventAdminForm(forms.ModelForm):
    """Refuses an end before the start and a capacity below the confirmed count."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk and "end" in self.fields:
            # A new event may leave these empty: the kind's defaults fill them in.
            self.fields["end"].required = False
            self.fields["end"].help_text = _("Empty: the start plus the kind's default duration.")
            if "capacity" in self.fields:
                self.fields["capacity"].help_text = _(
                    "Empty on a new event: the kind's default capacity (unlimited if it has none)."
                )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        kind = cleaned.get("kind")
        if not self.instance.pk and kind is not None:
            if start and not end and "end" not in self.errors:
                end = cleaned["end"] = start + timedelta(minutes=kind.default_duration_minutes)
            if cleaned.get("capacity") is None and "capacity" in self.fields:
                cleaned["capacity"] = kind.default_capacity
        opens, closes = cleaned.get("registration_opens_at"), cleaned.get("registration_closes_at")
        if opens and closes and closes <= opens:
            self.add_error("registration_closes_at", _("Registration must close after it opens."))
        if start and end and end <= start:
            self.add_error("end", _("An event must end after it starts."))
        capacity = cleaned.get("capacity")
        if self.instance.pk and capacity is not None:
            confirmed = self.instance.registrations.confirmed().count()
            if capacity < confirmed:
                self.add_error(
                    "capacity",
                    _(
                        "%(confirmed)s people are already confirmed: the capacity cannot be "
                        "lower. Cancel registrations first, or keep at least %(confirmed)s seats."
                    )
                    % {"confirmed": confirmed},
                )
        return cleaned


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
class EventAdmin(admin.ModelAdmin):
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
    readonly_fields = ["version", "series", "series_date", "detached", "delivery_log_link"]
    inlines = [SpeakerInline, EventCostInline, RegistrationInline]
    actions = [
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
            {"fields": ["capacity", "registration_opens_at", "registration_closes_at"]},
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

    @admin.display(description=_("delivery log"))
    def delivery_log_link(self, obj):
        if not obj or not obj.pk:
            return "—"
        url = reverse("admin:events_event_delivery", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Emails about this event"))

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = obj.created_by or request.user
            with transaction.atomic():
                super().save_model(request, obj, form, change)
                if obj.status == Event.Status.PUBLISHED:
                    services.event_announce(event=obj)
            return
        data = {
            name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data
        }
        try:
            services.event_update(event=obj, actor=request.user, data=data)
        except ValidationError as exc:
            # The form already checked; only a registration racing this save gets here.
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return
        obj.refresh_from_db()

    def get_urls(self):
        return [
            path(
                "<int:pk>/delivery/",
                self.admin_site.admin_view(self.delivery_view),
                name="events_event_delivery",
            ),
            *super().get_urls(),
        ]

    def delivery_view(self, request, pk: int):
        """Every outbox row about this event (sent, failed, pending), with resend."""
        event = get_object_or_404(Event, pk=pk)
        if not self.has_view_permission(request, event):
            raise PermissionDenied
        rows = Outbox.objects.filter(topic=f"event:{event.pk}").order_by("-created_at")
        if request.method == "POST":
            if not request.user.has_perm("members.change_outbox") and not request.user.is_superuser:
                raise PermissionDenied
            ids = parse_ids(request.POST.getlist("ids"))
            ids = list(rows.filter(pk__in=ids).values_list("pk", flat=True))
            if not ids:
                self.message_user(
                    request, _("Select the messages to send again."), messages.WARNING
                )
            else:
                count = outbox_resend(ids=ids)
                self.message_user(
                    request,
                    ngettext("%(n)s message queued again.", "%(n)s messages queued again.", count)
                    % {"n": count},
                )
            return HttpResponseRedirect(request.path)
        status = request.GET.get("status", "")
        if status in Outbox.Status.values:
            rows = rows.filter(status=status)
        counts = dict(
            Outbox.objects.filter(topic=f"event:{event.pk}")
            .values_list("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
        rows = list(rows[:200])
        # Messages written as data get their text when sent: preview it, without fixing it.
        outbox_render(rows, save=False)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Delivery log: %(event)s") % {"event": event},
            "event": event,
            "rows": rows,
            "counts": counts,
            "statuses": [(v, label, counts.get(v, 0)) for v, label in Outbox.Status.choices],
            "status": status,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/events/event/delivery_log.html", context)

    @admin.action(description=_("Publish the selected events"))
    def action_publish(self, request, queryset):
        done = sum(services.event_publish(event=e, actor=request.user) for e in queryset)
        self.message_user(
            request,
            ngettext("%(n)s event published.", "%(n)s events published.", done) % {"n": done},
        )

    @admin.action(description=_("Cancel the selected events (registrants are told)"))
    def action_cancel(self, request, queryset):
        if request.POST.get("post") != "yes":
            # Confirm first, saying how many people will be emailed (like delete_selected).
            events = list(queryset.exclude(status=Event.Status.CANCELLED))
            context = {
                **self.admin_site.each_context(request),
                "title": _("Cancel these events?"),
                "opts": self.model._meta,
                "events": events,
                "selected": list(queryset.values_list("pk", flat=True)),
                "told": Registration.objects.active().filter(event__in=events).count(),
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(
                request, "admin/events/event/cancel_selected_confirmation.html", context
            )
        told = 0
        events = []
        for event in queryset:
            try:
                told += services.event_cancel(event=event, actor=request.user)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.WARNING)
                continue
            events.append(event)
        self.message_user(
            request,
            _("%(events)s event(s) cancelled; %(told)s registrant(s) will be told by email.")
            % {"events": len(events), "told": told},
        )
        return None

    @admin.action(description=_("Duplicate the selected events (as drafts, one week later)"))
    def action_duplicate(self, request, queryset):
        copies = [services.event_duplicate(event=e, actor=request.user) for e in queryset]
        self.message_user(
            request,
            ngettext("%(n)s draft copy created.", "%(n)s draft copies created.", len(copies))
            % {"n": len(copies)},
        )

    @admin.action(description=_("Export attendees as CSV"))
    def action_export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="attendees.csv"'
        response.write("\ufeff")  # lets spreadsheet apps detect UTF-8
        writer = csv.writer(response)
        writer.writerow(
            [
                "event",
                "start",
                "name",
                "email",
                "member",
                "status",
                "note",
                "registered_at",
                "checked_in_at",
            ]
        )
        regs = (
            Registration.objects.filter(event__in=queryset)
            .active()
            .select_related("event")
            .order_by("event__start", "status", "created_at")
        )
        for r in regs:
            writer.writerow(
                [
                    _csv_safe(r.event.title),
                    timezone.localtime(r.event.start).isoformat(),
                    _csv_safe(r.name),
                    r.email,
                    "yes" if r.user_id else "no",
                    r.status,
                    _csv_safe(r.note),
                    timezone.localtime(r.created_at).isoformat(),
                    timezone.localtime(r.checked_in_at).isoformat() if r.checked_in_at else "",
                ]
            )
        return response

    @admin.action(description=_("Mark every confirmed registrant as attended"))
    def action_mark_attended(self, request, queryset):
        count = 0
        for registration in Registration.objects.filter(
            event__in=queryset, status=Registration.Status.CONFIRMED, checked_in_at__isnull=True
        ):
            services.registration_check_in(registration=registration, actor=request.user)
            count += 1
        self.message_user(
            request,
            ngettext("%(n)s person marked as attended.", "%(n)s people marked as attended.", count)
            % {"n": count},
        )


def _csv_safe(value: str) -> str:
    """Neutralise spreadsheet formulas in free text (CSV injection)."""
    value = value or ""
    if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "event", "status", "created_at", "checked_in_at"]
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
    actions = ["action_check_in", "action_cancel"]

    def has_add_permission(self, request):
        # Seats are taken through the registration service (lock, waitlist, emails).
        return False

    @admin.action(description=_("Mark as attended (check in)"))
    def action_check_in(self, request, queryset):
        done, refused = 0, 0
        for registration in queryset:
            try:
                services.registration_check_in(registration=registration, actor=request.user)
                done += 1
            except ValidationError:
                refused += 1
        self.message_user(request, _("%(done)s checked in.") % {"done": done})
        if refused:
            self.message_user(
                request,
                _("%(n)s not checked in: only confirmed registrations can be.") % {"n": refused},
                messages.WARNING,
            )

    @admin.action(description=_("Cancel the selected registrations (the waitlist moves up)"))
    def action_cancel(self, request, queryset):
        done = 0
        for registration in queryset:
            try:
                services.registration_cancel(registration=registration, actor=request.user)
                done += 1
            except ValidationError as exc:
                self.message_user(
                    request, f"{registration}: {' '.join(exc.messages)}", messages.ERROR
                )
        self.message_user(request, _("%(n)s registration(s) cancelled.") % {"n": done})


class EventSeriesAdminForm(forms.ModelForm):
    """The recurrence picker (no raw RRULE typing); refuses a rule that generates no date."""

    rrule = RecurrenceField(help_text=_("For example monthly, on the first Thursday."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A rule set by hand before the picker existed is kept, not lost, when editing.
        self.fields["rrule"].keep_current(self.instance.rrule if self.instance.pk else "")

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
    actions = ["action_generate"]

    @admin.display(description=_("repeats"), ordering="rrule")
    def repeats(self, obj):
        return rrule_describe(obj.rrule)

    @admin.action(description=_("Generate the next occurrences"))
    def action_generate(self, request, queryset):
        for series in queryset:
            try:
                created = services.series_generate(series=series)
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
