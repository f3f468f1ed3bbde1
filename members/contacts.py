"""Members into address books: a profile's "Add to contacts" card, and staff's export of a
filtered directory list as one .vcf. The cards are written by `members/vcard.py`.

- `/members/<slug>/contact.vcf`: anyone who may open the profile page (the same queryset:
  hidden and members-only profiles answer 404 to those who cannot see them), with the
  contact details that viewer may see.
- `/directory/contacts.vcf?<the directory's filters>`: staff only (`members.staff_tools`;
  anonymous visitors go to the login page, members get 403), the list the directory shows
  for the same query string; a list longer than `count_cap()` (2,000) is refused with a
  message (a file of its first 2,000 would look complete), as is an empty one.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views import View

from .directory import count_cap, directory_query, directory_search
from .models import Profile
from .vcard import CONTENT_TYPE, profile_vcard, profiles_vcf, vcard_queryset


def base_url(request) -> str:
    """The "https://host" of the visitor asked for the page: the card's links go back there."""
    return request.build_absolute_uri("/").rstrip("/")


def _private(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Personal data, different for each viewer: never kept by a shared cache.
    response["Cache-Control"] = "private, no-store"
    return response


class ProfileVCardView(View):
    """A profile's card ("Add to contacts"), as the viewer may see the profile."""

    def get(self, request, slug: str):
        # `visible_to()` is the `members.view_profile` rule as a queryset: the profile page's.
        profile = get_object_or_404(
            vcard_queryset(Profile.objects.visible_to(request.user)), slug=slug
        )
        content = profile_vcard(profile, viewer=request.user, base_url=base_url(request))
        response = HttpResponse(content.encode("utf-8"), content_type=CONTENT_TYPE)
        return _private(response, f"{profile.slug}.vcf")


class TooManyToExport(Exception):
    """The list has more profiles than one export carries (`count_cap()`)."""


def directory_export_profiles(*, viewer, params) -> list[Profile]:
    """The profiles of the directory's list for `params` (its query string), in its order,
    loaded for the cards. A list longer than `count_cap()` raises `TooManyToExport`: an
    address book given its first 2,000 would look complete."""
    query = directory_query(params=params)
    cap = count_cap()
    result = directory_search(viewer=viewer, query=query, page=1, per_page=cap + 1, clamp=False)
    if len(result.cards) > cap:
        raise TooManyToExport
    ids = [card.pk for card in result.cards]
    loaded = vcard_queryset(Profile.objects.visible_to(viewer)).in_bulk(ids)
    return [loaded[pk] for pk in ids if pk in loaded]


def vcf_download(request, profiles) -> HttpResponse:
    """Many profiles (loaded with `vcard_queryset()`) as one .vcf, as `request.user` sees
    them: the directory export and the admin's export and action."""
    content = "".join(profiles_vcf(profiles, viewer=request.user, base_url=base_url(request)))
    response = HttpResponse(content.encode("utf-8"), content_type=CONTENT_TYPE)
    stamp = timezone.localdate().isoformat()
    return _private(response, f"betacowork-members-{stamp}.vcf")


class DirectoryVCardView(PermissionRequiredMixin, View):
    """Staff: the directory's filtered list as one .vcf."""

    permission_required = "members.staff_tools"

    def get(self, request):
        try:
            profiles = directory_export_profiles(viewer=request.user, params=request.GET)
        except TooManyToExport:
            # Back to the same list, which says how many match, with what to do instead.
            messages.warning(
                request,
                _(
                    "More than %(cap)s members in this list: one export carries at most "
                    "%(cap)s. Narrow the list (a skill, a space, a language…), or export "
                    "everyone from the members' list in the admin."
                )
                % {"cap": number_format(count_cap(), force_grouping=True)},
            )
            return _back_to_the_list(request)
        if not profiles:
            # An empty .vcf is a file an address book refuses without saying why: back to
            # the same list, which says nobody matches, with the reason.
            messages.warning(request, _("Nobody in this list: there is nothing to export."))
            return _back_to_the_list(request)
        return vcf_download(request, profiles)


def _back_to_the_list(request) -> HttpResponseRedirect:
    """The directory with the same query string (its filters, its search)."""
    query = request.GET.urlencode()
    return HttpResponseRedirect(reverse("members:directory") + (f"?{query}" if query else ""))
