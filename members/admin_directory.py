"""Staff admin for people, companies, spaces and chapters (the vocabulary:
admin_vocabulary.py). `members/admin.py` imports this module. The members list is
the Profile admin: search, filters, CSV import (dry run first, all-or-nothing) and CSV export
of exactly the filtered list.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext_lazy as _

from betacowork.csv_cells import csv_lines

from .contacts import vcf_download
from .csv_io import COLUMNS, members_export_queryset, members_export_rows
from .csv_staging import members_import_commit, members_import_stage
from .forms import (
    MemberImportForm,
    PersonNameField,
    json_list_checked,
    linkedin_clean,
    member_since_clean,
    phone_clean,
)
from .models import (
    SPOKEN_LANGUAGES,
    Chapter,
    Company,
    Membership,
    Profile,
    Space,
    Term,
    Visibility,
)
from .vcard import vcard_queryset


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


class PlanFilter(admin.SimpleListFilter):
    title = _("active plan")
    parameter_name = "plan"

    def lookups(self, request, model_admin):
        return [*Membership.Plan.choices, ("none", _("No active membership"))]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        active = Membership.objects.filter(
            user_id=OuterRef("user_id"), status=Membership.Status.ACTIVE
        )
        if value == "none":
            return queryset.filter(~Exists(active))
        return queryset.filter(Exists(active.filter(plan=value)))


class LanguageFilter(admin.SimpleListFilter):
    title = _("speaks")
    parameter_name = "speaks"

    def lookups(self, request, model_admin):
        return SPOKEN_LANGUAGES[:8]

    def queryset(self, request, queryset):
        value = self.value()
        if not value or value not in dict(SPOKEN_LANGUAGES):
            return queryset
        from django.db import connection

        if connection.vendor == "postgresql":
            return queryset.filter(languages__contains=[value])
        return queryset.filter(languages__icontains=f'"{value}"')


class JoinedFilter(admin.SimpleListFilter):
    title = _("joined")
    parameter_name = "joined"

    def lookups(self, request, model_admin):
        return [("30", _("Last 30 days")), ("90", _("Last 3 months")), ("365", _("Last year"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value not in ("30", "90", "365"):
            return queryset
        since = timezone.localdate() - timedelta(days=int(value))
        return queryset.filter(member_since__gte=since)


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    """The members list."""

    change_list_template = "admin/members/profile/change_list.html"
    list_display = [
        "display_name",
        "email",
        "company",
        "home_space",
        "city",
        "visibility",
        "member_since",
    ]
    list_filter = [
        "visibility",
        "hidden_until_login",
        PlanFilter,
        "home_space",
        LanguageFilter,
        JoinedFilter,
        "email_visibility",
    ]
    list_select_related = ["user", "company", "home_space"]
    search_fields = ["display_name", "user__email", "company__name", "headline", "city", "region"]
    autocomplete_fields = ["user", "company", "skills", "offers", "seeks", "home_space"]
    readonly_fields = ["visibility_on_reactivation", "created_at", "updated_at"]
    date_hierarchy = "member_since"
    list_per_page = 50

    def get_search_results(self, request, queryset, search_term):
        """`search_fields`, and the skills, offers and seeks a member has in any of the three
        languages: each word must be found in one of them. The terms are matched through an
        EXISTS per word, not joined (QA: joined, "ma" turned 2,028 profiles into 24,081 rows,
        DISTINCT-sorted on disk: 0.9 s)."""
        for bit in smart_split(search_term):
            if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
                bit = unescape_string_literal(bit)
            if not bit:
                continue
            named = Q()
            for field in self.search_fields:
                named |= Q(**{f"{field}__icontains": bit})
            terms = Term.objects.filter(
                Q(name_en__icontains=bit) | Q(name_fr__icontains=bit) | Q(name_nl__icontains=bit)
            ).values("pk")
            for relation in (Profile.skills, Profile.offers, Profile.seeks):
                through = relation.through.objects.filter(profile=OuterRef("pk"), term__in=terms)
                named |= Exists(through)
            queryset = queryset.filter(named)
        return queryset, False  # no join: no row twice, no DISTINCT

    actions = ["export_vcards"]

    # A profile goes with its account (the account's deletion, with every app's steps):
    # deleted alone, it would leave an account every page expects a profile of. Its delete
    # page leads to the account's; the list has no "Delete selected". (The delete permission
    # stays: deleting an account deletes its profile.)
    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_delete_permission(request, obj):
            # Django's own answer: "not found", or a refusal that names no account.
            return super().delete_view(request, object_id, extra_context)
        self.message_user(
            request,
            _(
                "A profile is deleted with its account: deleting the account “%(account)s” "
                "below deletes the profile too, with everything only theirs."
            )
            % {"account": obj.user},
            messages.WARNING,
        )
        return HttpResponseRedirect(reverse("admin:members_user_delete", args=[obj.user_id]))

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = super().get_form(request, obj, change=change, **kwargs)

        class ProfileForm(base):
            # What the member's own profile form refuses, the admin refuses too: a name with
            # a text-direction override, a LinkedIn address elsewhere, a phone of letters.
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                if "display_name" in self.fields:
                    self.fields["display_name"] = PersonNameField.like(self.fields["display_name"])
                codes = dict(SPOKEN_LANGUAGES)
                json_list_checked(
                    self.fields,
                    "languages",
                    item_ok=lambda code: code in codes,
                    message=_("Give a list of language codes among: %(codes)s.")
                    % {"codes": ", ".join(f'"{c}"' for c in codes)},
                    when_empty=[],
                )
                if self.instance.pk and self.instance.visibility_on_reactivation:
                    # A deactivated account: the form shows (and changes) the visibility it
                    # gets once reactivated, so "Hidden" picked there is a choice too.
                    self.initial["visibility"] = self.instance.visibility_on_reactivation

            def clean_linkedin(self):
                return linkedin_clean(self.cleaned_data.get("linkedin", ""))

            def clean_phone(self):
                return phone_clean(self.cleaned_data.get("phone", ""))

            def clean_member_since(self):
                return member_since_clean(self.cleaned_data.get("member_since"))

        return ProfileForm

    def save_model(self, request, obj, form, change):
        # A deactivated account's profile stays hidden: the visibility chosen here is the
        # one it has once the account is reactivated.
        if obj.visibility_on_reactivation:
            obj.visibility_on_reactivation, obj.visibility = obj.visibility, Visibility.HIDDEN
        super().save_model(request, obj, form, change)

    @admin.display(description=_("email"), ordering="user__email")
    def email(self, obj):
        return obj.user.email

    def get_urls(self):
        urls = super().get_urls()
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="{}_{}_import".format(*info),
            ),
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="{}_{}_export".format(*info),
            ),
            path(
                "export.vcf",
                self.admin_site.admin_view(self.export_vcf_view),
                name="{}_{}_export_vcf".format(*info),
            ),
            *urls,
        ]

    # -- CSV export of the filtered list -----------------------------------------------------

    def export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        qs = members_export_queryset(changelist.get_queryset(request)).order_by("pk")
        response = StreamingHttpResponse(
            csv_lines(members_export_rows(qs.iterator(chunk_size=500))),
            content_type="text/csv; charset=utf-8",
        )
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="members-{stamp}.csv"'
        return response

    # -- Contacts (vCard 4.0): the filtered list, or the selected rows ------------------------

    def export_vcf_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        qs = vcard_queryset(changelist.get_queryset(request)).order_by("display_name", "pk")
        return vcf_download(request, qs)

    @admin.action(description=_("Export the selected members as contacts (.vcf)"))
    def export_vcards(self, request, queryset):
        return vcf_download(request, vcard_queryset(queryset).order_by("display_name", "pk"))

    # -- CSV import: upload → dry run (preview) → confirm ------------------------------------

    def import_view(self, request):
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import members from CSV"),
            "opts": self.model._meta,
            "columns": COLUMNS,
        }
        changelist_url = reverse("admin:members_profile_changelist")
        if request.method == "POST" and "token" in request.POST:
            report = members_import_commit(token=request.POST["token"], user=request.user)
            if report is None:
                messages.error(request, _("This import expired or is invalid: upload it again."))
                return HttpResponseRedirect(request.path)
            if report.written:
                messages.success(
                    request,
                    _("Import done: %(c)d created, %(u)d updated.")
                    % {"c": report.creates, "u": report.updates},
                )
                return HttpResponseRedirect(changelist_url)
            context.update({"form": MemberImportForm(), "report": report})
            return render(request, "admin/members/profile/import.html", context, status=400)

        form = MemberImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            report, token = members_import_stage(
                raw=upload.read(5 * 1024 * 1024 + 1), user=request.user
            )
            context["report"] = report
            if token:
                context["token"] = token
        context["form"] = form
        # A file refused (or no file) is bad input: the page says why, with a 400.
        refused = request.method == "POST" and "token" not in context
        return render(
            request, "admin/members/profile/import.html", context, status=400 if refused else 200
        )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "space", "plan", "status", "start", "end"]
    list_filter = ["space", "plan", "status"]
    search_fields = ["user__email", "user__name"]
    autocomplete_fields = ["user", "space"]
    list_select_related = ["user", "space"]


@admin.register(Chapter)
class ChapterAdmin(admin.ModelAdmin):
    list_display = ["name", "space"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ["space", "organisers", "followers"]
