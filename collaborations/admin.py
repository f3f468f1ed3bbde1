"""Staff tools: browse the ledger, verify parties no member speaks for, read the history."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from members.forms import ShownTextField

from .models import Collaboration, CollaborationHistory, Participant
from .services import collaboration_verify


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
    fields = ["created_at", "actor_name", "action", "revision", "changes"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class CollaborationAdminForm(forms.ModelForm):
    """The title cleaned as the member's form cleans it."""

    class Meta:
        field_classes = {"title": ShownTextField}


@admin.register(Collaboration)
class CollaborationAdmin(admin.ModelAdmin):
    form = CollaborationAdminForm
    list_display = [
        "title",
        "kind",
        "status",
        "visibility",
        "start_date",
        "value_eur",
        "author_name",
    ]
    list_filter = ["status", "kind", "visibility", "origin_type", "space", "chapter"]
    search_fields = ["title", "author_name", "participants__name"]
    date_hierarchy = "start_date"
    inlines = [ParticipantInline, HistoryInline]
    readonly_fields = ["status", "revision", "confirmed_at", "author", "author_name"]
    raw_id_fields = ["origin_event", "introduced_by"]
    actions = ["verify_parties"]

    @admin.action(permissions=["change"], description=_("Verify the parties no member speaks for"))
    def verify_parties(self, request, queryset):
        done = 0
        for collab in queryset.filter(status=Collaboration.Status.PROPOSED):
            before = collab.status
            collab = collaboration_verify(collaboration=collab, staff=request.user)
            done += collab.status != before
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
