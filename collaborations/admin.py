"""Staff tools: browse the ledger, verify parties no member speaks for, read the history."""

import datetime as dt
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import BooleanField, ExpressionWrapper
from django.utils import formats
from django.utils.dateparse import parse_date
from django.utils.html import format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from members.forms import ShownTextField

from .models import Collaboration, CollaborationHistory, Participant
from .selectors import awaiting_staff_q
from .services import (
    can_moderate,
    collaboration_update,
    collaboration_verify,
    stale_edit_error,
    validate_fields,
)


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0
    fields = [
        "name",
        "user",
        "former_member",
        "company",
        "organisation",
        "role",
        "state",
        "confirmed_at",
    ]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # participants change through the services (history, confirmations)


class HistoryInline(admin.TabularInline):
    model = CollaborationHistory
    extra = 0
    fields = ["created_at", "actor_name", "action", "revision", "what_changed"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("changes"))
    def what_changed(self, entry):
        """The entry's changes as staff read them, in their language: "Kind: — → Service",
        not the stored JSON with its internal values (QA)."""
        lines = [
            _("%(what)s: %(how)s") % {"what": label, "how": value}
            for label, value in changes_described(entry.changes)
        ]
        return format_html_join("", "<div>{}</div>", ((line,) for line in lines)) or "—"


def changes_described(changes: dict) -> list[tuple[str, str]]:
    """[(what, how)] of a history entry's `changes`: a field's before → after with its
    choices and related rows named, the parties with their roles."""
    described = []
    for name, value in (changes or {}).items():
        if name == "participants":
            before, after = value
            described.append(
                (
                    capfirst(Participant._meta.verbose_name_plural),
                    f"{_parties(before)} → {_parties(after)}",
                )
            )
        elif name == "participant":  # a member's answer: who, as what
            answer = {"name": value, "role": changes.get("role")}
            described.append((capfirst(_("participant")), _parties([answer])))
        elif name == "parties":  # staff's verification: whom it was about
            described.append((capfirst(_("parties")), ", ".join(value)))
        elif isinstance(value, list) and len(value) == 2:
            try:
                field = Collaboration._meta.get_field(name.removesuffix("_id"))
            except FieldDoesNotExist:
                continue  # a field removed since
            before, after = (_value(field, v) for v in value)
            if before != after:  # a field left empty when it was logged says nothing
                described.append((capfirst(field.verbose_name), f"{before} → {after}"))
    return described


def _parties(snapshot) -> str:
    if not snapshot:
        return "—"
    roles = dict(Participant.Role.choices)
    return ", ".join(f"{p['name']} ({roles.get(p.get('role'), p.get('role'))})" for p in snapshot)


def _value(field, value) -> str:
    if value in (None, ""):
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.is_relation:
        found = field.related_model._default_manager.filter(pk=value).first()
        return str(found) if found is not None else f"#{value}"
    if isinstance(field, models.DateField) and (day := parse_date(str(value))):
        return formats.date_format(day)
    if isinstance(field, models.DecimalField):
        amount = Decimal(str(value))
        places = 0 if amount == amount.to_integral_value() else 2
        return formats.number_format(amount, places, use_l10n=True, force_grouping=True)
    return str(value)


class _VersionField(forms.CharField):
    """The version a page showed: never a change of the collaboration itself."""

    def has_changed(self, initial, data) -> bool:
        return False


class CollaborationAdminForm(forms.ModelForm):
    """The title cleaned as the member's form cleans it; the value and the start date checked
    as the ledger's service checks them (`validate_fields`): a wrong one is said on its field.

    `edited` carries the version the page showed, as the member's edit form does: a page
    opened before a party's edit (or an answer) would write its old values back as changes,
    so it is refused, and the page shown again against the current version."""

    edited = _VersionField(widget=forms.HiddenInput, required=False, max_length=40)

    class Meta:
        field_classes = {"title": ShownTextField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["edited"] = self.instance.updated_at.isoformat()

    def clean(self):
        data = super().clean()
        if "value_eur" in data and data.get("start_date"):
            validate_fields(value_eur=data["value_eur"], start_date=data["start_date"])
        if self.instance.pk and self.has_changed() and self._seen() != self.instance.updated_at:
            # Saving again from the page shown now is a choice made knowing of the change.
            self.data = self.data.copy()
            self.data["edited"] = self.instance.updated_at.isoformat()
            raise stale_edit_error()
        return data

    def _seen(self) -> dt.datetime | None:
        try:
            return dt.datetime.fromisoformat(self.data.get("edited") or "")
        except ValueError:
            return None


class AwaitingStaffFilter(admin.SimpleListFilter):
    """The staff's queue: collaborations waiting for staff to verify a party no member speaks
    for (`selectors.awaiting_staff_q`)."""

    title = _("staff verification")
    parameter_name = "awaiting_staff"

    def lookups(self, request, model_admin):
        return [("yes", _("Awaiting staff verification"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(awaiting_staff_q())
        return queryset


@admin.register(Collaboration)
class CollaborationAdmin(admin.ModelAdmin):
    form = CollaborationAdminForm
    list_display = [
        "title",
        "kind",
        "status",
        "awaiting_staff",
        "visibility",
        "start_date",
        "value_eur",
        "author_name",
    ]
    list_filter = [
        AwaitingStaffFilter,
        "status",
        "kind",
        "visibility",
        "origin_type",
        "space",
        "chapter",
    ]
    search_fields = ["title", "author_name", "participants__name"]
    date_hierarchy = "start_date"
    inlines = [ParticipantInline, HistoryInline]
    fields = [
        "edited",
        "title",
        "kind",
        "description",
        "start_date",
        "value_eur",
        "origin_type",
        "origin_event",
        "introduced_by",
        "space",
        "chapter",
        "visibility",
        "status",
        "revision",
        "confirmed_at",
        "author",
        "author_name",
    ]
    # Staff change what `collaboration_update` takes from a member's form, but where it began:
    # an event is one its editor attended, which staff did not. The chapter follows the space;
    # the status, the revision and the answers follow the parties.
    readonly_fields = [
        "origin_type",
        "origin_event",
        "introduced_by",
        "chapter",
        "status",
        "revision",
        "confirmed_at",
        "author",
        "author_name",
    ]
    actions = ["verify_parties"]

    def has_add_permission(self, request):
        # A collaboration is logged by one of its parties (the site's form, linked from the
        # list): one added here had none, and stayed waiting for nobody's confirmation.
        return False

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and can_moderate(request.user)

    def save_model(self, request, obj, form, change):
        """Through the ledger's service, as a member's edit: a new value or a wider audience
        asks every party again (a new revision), and the collaboration's history says who
        changed what."""
        revision = obj.revision
        collaboration_update(
            collaboration=obj,
            actor=request.user,
            **{name: form.cleaned_data[name] for name in form.changed_data},
        )
        obj.refresh_from_db()
        if obj.revision != revision:
            self.message_user(
                request,
                _(
                    "Its parties are asked to confirm it again: until every one of them has, "
                    "it does not count and only they see it."
                ),
                messages.WARNING,
            )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                waiting_for_staff=ExpressionWrapper(awaiting_staff_q(), output_field=BooleanField())
            )
        )

    @admin.display(
        boolean=True, description=_("awaiting staff verification"), ordering="waiting_for_staff"
    )
    def awaiting_staff(self, collab) -> bool:
        return collab.waiting_for_staff

    @admin.action(permissions=["change"], description=_("Verify the parties no member speaks for"))
    def verify_parties(self, request, queryset):
        """Verify the selected collaborations that wait for staff (`collaboration_verify`, the
        one service that does); those that still wait for a member are said so."""
        done = waiting = 0
        for collab in queryset.filter(awaiting_staff_q()):
            collab = collaboration_verify(collaboration=collab, staff=request.user)
            if collab.status == Collaboration.Status.CONFIRMED:
                done += 1
            else:
                waiting += 1
        self.message_user(
            request,
            ngettext(
                "%(n)d collaboration is now confirmed.",
                "%(n)d collaborations are now confirmed.",
                done,
            )
            % {"n": done},
            messages.SUCCESS,
        )
        if waiting:
            self.message_user(
                request,
                ngettext(
                    "%(n)d verified collaboration still waits for a member to confirm it.",
                    "%(n)d verified collaborations still wait for a member to confirm them.",
                    waiting,
                )
                % {"n": waiting},
                messages.INFO,
            )
