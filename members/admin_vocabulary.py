"""Staff admin for the vocabulary (skills and sectors members pick): approving proposed
terms and merging duplicates into one (members/admin.py imports this module)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Term
from .services import term_approve, term_merge
from .services.vocabulary import TAG_SEPARATORS


class TermAdminForm(forms.ModelForm):
    """A term's names hold no tag separator: members type tags separated by commas (or
    semicolons), so a name with one would come back from their profile form as two new
    proposed terms."""

    class Meta:
        model = Term
        fields = ["slug", "name_en", "name_fr", "name_nl", "synonyms", "status", "proposed_by"]

    def _name_clean(self, field: str) -> str:
        name = self.cleaned_data.get(field, "")
        if any(ch in name for ch in TAG_SEPARATORS):
            raise forms.ValidationError(
                _(
                    "A term's name cannot contain a comma or a semicolon: members separate "
                    "tags with them. Put other words for it in the synonyms."
                ),
                code="separator",
            )
        return name

    def clean_name_en(self):
        return self._name_clean("name_en")

    def clean_name_fr(self):
        return self._name_clean("name_fr")

    def clean_name_nl(self):
        return self._name_clean("name_nl")


class TermMergeForm(forms.Form):
    survivor = forms.ModelChoiceField(
        queryset=Term.objects.none(),
        label=_("Keep this term"),
        widget=forms.RadioSelect,
        empty_label=None,
    )


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    form = TermAdminForm
    list_display = ["name_en", "name_fr", "name_nl", "synonyms", "status", "proposed_by"]
    list_filter = ["status"]
    search_fields = ["name_en", "name_fr", "name_nl", "synonyms", "slug"]
    prepopulated_fields = {"slug": ("name_en",)}
    autocomplete_fields = ["proposed_by"]
    actions = ["approve", "merge"]

    @admin.action(permissions=["change"], description=_("Approve the selected proposed terms"))
    def approve(self, request, queryset):
        count = term_approve(terms=queryset)
        self.message_user(
            request,
            ngettext("%(n)d term approved.", "%(n)d terms approved.", count) % {"n": count},
            messages.SUCCESS,
        )

    # Merging deletes the other terms.
    @admin.action(
        permissions=["change", "delete"], description=_("Merge the selected terms into one")
    )
    def merge(self, request, queryset):
        terms = list(queryset.order_by("status", "pk"))
        if len(terms) < 2:
            self.message_user(request, _("Select at least two terms to merge."), messages.WARNING)
            return None
        form = TermMergeForm(request.POST if "confirm" in request.POST else None)
        form.fields["survivor"].queryset = queryset
        if form.is_bound and form.is_valid():
            survivor = form.cleaned_data["survivor"]
            others = [t for t in terms if t.pk != survivor.pk]
            touched = term_merge(survivor=survivor, others=others)
            self.message_user(
                request,
                " ".join(
                    (
                        ngettext(
                            "Merged %(n)d term into “%(term)s”.",
                            "Merged %(n)d terms into “%(term)s”.",
                            len(others),
                        )
                        % {"n": len(others), "term": survivor.name_en},
                        ngettext("%(n)d profile repointed.", "%(n)d profiles repointed.", touched)
                        % {"n": touched},
                    )
                ),
                messages.SUCCESS,
            )
            return None
        if not form.is_bound:
            form.initial["survivor"] = terms[0].pk
        return render(
            request,
            "admin/members/term/merge.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Merge terms"),
                "opts": self.model._meta,
                "terms": terms,
                "form": form,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )
