from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Chapter, Company, Membership, Outbox, Profile, Space, Term, User
from .outbox import outbox_resend


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["space"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "preferred_language", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_active", "preferred_language"]
    search_fields = ["email", "name"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("name", "preferred_language")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "name", "password1", "password2")}),
    )


@admin.register(Space)
class SpaceAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "network"]
    search_fields = ["name", "city"]
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "website"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    list_display = ["name_en", "name_fr", "name_nl", "status"]
    list_filter = ["status"]
    search_fields = ["name_en", "name_fr", "name_nl", "synonyms"]
    prepopulated_fields = {"slug": ("name_en",)}


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["display_name", "company", "home_space", "visibility"]
    list_filter = ["visibility", "home_space"]
    search_fields = ["display_name", "user__email", "company__name"]
    autocomplete_fields = ["user", "company", "skills", "offers", "seeks", "home_space"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "space", "plan", "status", "start", "end"]
    list_filter = ["space", "plan", "status"]
    search_fields = ["user__email", "user__name"]
    autocomplete_fields = ["user", "space"]


@admin.register(Chapter)
class ChapterAdmin(admin.ModelAdmin):
    list_display = ["name", "space"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ["space", "organisers", "followers"]


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
    readonly_fields = [f.name for f in Outbox._meta.fields]
    date_hierarchy = "created_at"
    list_per_page = 100
    actions = ["resend"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("last error"))
    def short_error(self, obj: Outbox) -> str:
        return (obj.last_error[:80] + "…") if len(obj.last_error) > 80 else obj.last_error

    @admin.action(description=_("Send again"))
    def resend(self, request, queryset):
        pending = queryset.filter(status=Outbox.Status.PENDING).count()
        count = outbox_resend(ids=list(queryset.values_list("pk", flat=True)))
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
