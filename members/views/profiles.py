"""A member's profile (page, edit, avatar), a company's and a space's people, and the people
you should meet. Which rows a person may reach is decided in the queryset (`visible_to`)."""

from __future__ import annotations

import mimetypes

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, TemplateView, UpdateView

from betacowork.numbers import parse_int

from ..avatars import MAX_BYTES
from ..forms import ProfileForm
from ..models import SPOKEN_LANGUAGES, Company, Profile, Space
from ..panels import company_panels, profile_panels
from ..selectors import (
    companies_to_suggest,
    companies_visible_to,
    company_members,
    profile_contact,
    profile_detail,
    profile_has_terms,
    profile_renamed,
    space_members,
)
from ..services import profile_create_for_user, profile_update
from ..suggestions import suggestions_for
from .directory import page_of_request


class ProfileDetailView(DetailView):
    """A member's page. Hidden profiles answer 404 to everyone but their owner and staff."""

    template_name = "members/profile_detail.html"
    context_object_name = "profile"

    def get_queryset(self):
        return profile_detail(user=self.request.user)

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            # An address the profile had before its owner renamed themselves: old links
            # keep working (for whoever may see the profile). Not a 301: a browser keeps
            # those, and a member who takes their former name back would send it in a loop.
            renamed = profile_renamed(user=request.user, slug=kwargs["slug"])
            if renamed is not None:
                return HttpResponseRedirect(renamed.get_absolute_url())
            if request.user.is_authenticated:
                raise
            # An anonymous visitor gets one page for a members-only profile, a hidden one and
            # an unknown slug alike (only the login link's `next` differs): it must not tell
            # whether the profile exists.
            return render(request, "404.html", {"invite_login": True}, status=404)

    def get_object(self, queryset=None):
        try:
            return super().get_object(queryset)
        except Http404:
            raise Http404(_("No such member.")) from None

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        profile = self.object
        user = self.request.user
        ctx["contact"] = profile_contact(profile=profile, viewer=user)
        ctx["is_owner"] = user.is_authenticated and user.pk == profile.user_id
        ctx["memberships"] = [
            m for m in profile.user.memberships.all() if m.status != m.Status.ENDED
        ]
        ctx["panels"] = profile_panels(self.request, profile)
        names = dict(SPOKEN_LANGUAGES)  # "Greek", "Grec", "Grieks" rather than "EL"
        ctx["languages"] = [
            str(names.get(code, str(code).upper())) for code in profile.languages or []
        ]
        return ctx


class ProfileEditView(LoginRequiredMixin, UpdateView):
    """The owner edits their profile. Someone else's profile: 403 (404 if they can't see it)."""

    template_name = "members/profile_form.html"
    form_class = ProfileForm
    context_object_name = "profile"

    def get_object(self, queryset=None):
        profiles = Profile.objects.visible_to(self.request.user).select_related("company")
        slug = self.kwargs["slug"]
        profile = profiles.filter(slug=slug).first()
        if profile is None:
            # The address before a rename (a second tab, a bookmark): the same profile, so a
            # save sent there is not lost to a 404.
            renamed = profile_renamed(user=self.request.user, slug=slug)
            profile = get_object_or_404(profiles, pk=renamed.pk if renamed else None)
        if profile.user_id != self.request.user.pk:
            raise PermissionDenied(_("You can only edit your own profile."))
        return profile

    def post(self, request, *args, **kwargs):
        # A body far over the picture limit is refused (413) without opening the picture.
        # Only the file is refused: the other fields came in the same body (the CSRF and
        # bad-input middlewares have read it already), so the form comes back bound to what
        # was typed, with the error on the picture, as the normal validation path does.
        length = request.META.get("CONTENT_LENGTH") or "0"
        if (parse_int(length) or 0) > MAX_BYTES + 1_048_576:
            self.object = self.get_object()
            form = self.get_form_class()(**{**self.get_form_kwargs(), "files": None})
            form.add_error(
                "avatar_upload",
                _("That upload is too large: pictures are limited to %(mb)d MB.")
                % {"mb": MAX_BYTES // 1024 // 1024},
            )
            return self.render_to_response(self.get_context_data(form=form), status=413)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            profile_update(
                profile=self.object,
                actor=self.request.user,
                fields={name: data[name] for name in form.Meta.fields if name in data},
                company_name=data.get("company_name", ""),
                skills=data.get("skills_tags") or [],
                offers=data.get("offers_tags") or [],
                seeks=data.get("seeks_tags") or [],
                avatar=data.get("avatar_upload"),
                avatar_clear=data.get("avatar_clear", False),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Your profile is saved."))
        return redirect(self.object.get_absolute_url())

    def form_invalid(self, form):
        # A refused post is a 400, like the other forms; the page shows the errors. A good
        # picture sent with a mistake elsewhere is not kept (a browser never sends a file
        # twice): the page asks for it again rather than dropping it without a word.
        ctx = self.get_context_data(form=form)
        ctx["avatar_again"] = bool(getattr(form, "cleaned_data", {}).get("avatar_upload"))
        return self.render_to_response(ctx, status=400)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["companies"] = list(
            companies_to_suggest(user=self.request.user).values_list("name", flat=True)[:500]
        )
        return ctx


class MyProfileEditView(LoginRequiredMixin, View):
    def get(self, request):
        # Every account has a profile from its first save; one loaded raw (a fixture, a
        # restore) may not: it gets one here rather than a 500.
        profile = Profile.objects.filter(user=request.user).only("slug").first()
        if profile is None:
            profile = profile_create_for_user(user=request.user)
        return redirect("members:profile_edit", slug=profile.slug)


class AvatarView(View):
    """Avatars are uploads: served here, after the same visibility check as the profile."""

    def get(self, request, slug: str, size: str = "full"):
        profile = get_object_or_404(
            Profile.objects.visible_to(request.user).only("pk", "avatar", "avatar_thumb"),
            slug=slug,
        )
        image = profile.avatar_thumb if size == "thumb" else profile.avatar
        if not image:
            raise Http404(_("No picture."))
        try:
            handle = image.open("rb")
        except (FileNotFoundError, OSError):
            raise Http404(_("No picture.")) from None
        content_type = mimetypes.guess_type(image.name)[0] or "application/octet-stream"
        response = FileResponse(handle, content_type=content_type)
        # Private: visibility can change, shared caches must not keep a hidden face.
        response["Cache-Control"] = "private, max-age=3600"
        response["Content-Disposition"] = "inline"
        return response


class _MembersPage(DetailView):
    """A company or space page with its (visible) members, paginated."""

    members_selector = None
    template_name = ""

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        qs = type(self).members_selector(
            user=self.request.user, **{self.context_object_name: self.object}
        )
        page, ctx["notices"] = page_of_request(self.request, qs)
        ctx["page_obj"] = page
        ctx["profiles"] = page.object_list
        ctx["page_base"] = "?"
        return ctx


class CompanyDetailView(_MembersPage):
    model = Company
    context_object_name = "company"
    template_name = "members/company_detail.html"
    members_selector = staticmethod(company_members)

    def get_queryset(self):
        # A company whose people are all hidden from this viewer (or deactivated) is none of
        # their business unless staff described it or it takes part in something (a
        # collaboration): a 404, as the autocomplete leaves it out.
        return companies_visible_to(user=self.request.user, with_page=True)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["panels"] = company_panels(self.request, self.object)
        return ctx


class SpaceDetailView(_MembersPage):
    model = Space
    context_object_name = "space"
    template_name = "members/space_detail.html"
    members_selector = staticmethod(space_members)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["chapters"] = list(self.object.chapters.order_by("name"))
        return ctx


class SuggestionsView(LoginRequiredMixin, TemplateView):
    template_name = "members/suggestions.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["suggestions"] = suggestions_for(user=self.request.user, limit=30)
        if not ctx["suggestions"]:  # the empty page asks only someone who said nothing yet
            ctx["has_terms"] = profile_has_terms(user=self.request.user)
        return ctx


# --- JSON endpoints --------------------------------------------------------------------------
