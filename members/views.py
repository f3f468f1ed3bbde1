"""Pages of the members app: the directory, profiles, companies, spaces, suggestions, my data.

Access is declared on each class; which rows a person may reach is decided in the queryset
(`visible_to`), never in a template.
"""

from __future__ import annotations

import json
import mimetypes

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import Count, F, Q, RowRange, Window
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView, TemplateView, UpdateView

from betacowork.numbers import parse_int

from .avatars import MAX_BYTES
from .directory_cache import cache_get, cache_key, cache_set, directory_version, viewer_class
from .forms import AccountDeleteForm, ProfileForm
from .models import Company, Profile, Space
from .panels import company_panels, export_collect, profile_panels
from .selectors import (
    MAX_PAGE,
    PER_PAGE,
    company_members,
    directory_choices,
    directory_list_page,
    directory_notice_page,
    directory_options,
    directory_parse,
    directory_profiles,
    directory_search_page,
    people_autocomplete,
    profile_cards,
    profile_contact,
    profile_detail,
    space_members,
    terms_autocomplete,
)
from .services import account_delete, profile_update
from .suggestions import suggestions_for
from .templatetags.members_tags import options_render

FRAGMENT_HEADER = "X-Requested-With"
FRAGMENT_VALUE = "fetch"


def _is_fragment(request) -> bool:
    return request.headers.get(FRAGMENT_HEADER) == FRAGMENT_VALUE


def paginate(qs, number: int, *, per_page: int = PER_PAGE):
    """A page of `qs`, clamped into range: (page, notice or "")."""
    paginator = Paginator(qs, per_page)
    last = paginator.num_pages
    notice = ""
    if number > last:
        if number < MAX_PAGE:
            notice = directory_notice_page(number, last)
        number = last
    return paginator.get_page(number), notice


def directory_page_ids(qs):
    """(pk, total) rows of a Profile queryset in its order: the total counted in the same pass."""
    order = [
        (F(o[1:]).desc() if o.startswith("-") else F(o).asc()) if isinstance(o, str) else o
        for o in qs.query.order_by
    ]
    total = Window(Count("pk"), order_by=order, frame=RowRange(start=None, end=None))
    return qs.annotate(directory_total=total).values_list("pk", "directory_total")


def _profile_page_fetch(qs, *, user, per_page: int):
    """`directory_page()`'s fetch for a Profile queryset (SQLite's filtered lists): the page's
    ids and the total in one pass, then the cards by primary key."""
    ids_qs = directory_page_ids(qs)

    def fetch(number: int) -> tuple[list[Profile], int]:
        rows = list(ids_qs[(number - 1) * per_page : number * per_page])
        if not rows:
            return [], (qs.count() if number > 1 else 0)
        ids = [pk for pk, _total in rows]
        cards = {
            p.pk: p for p in profile_cards(Profile.objects.visible_to(user).filter(pk__in=ids))
        }
        return [cards[pk] for pk in ids if pk in cards], rows[0][1]

    return fetch


def directory_page(fetch, number: int, *, per_page: int = PER_PAGE):
    """A page of member cards from `fetch(number) -> (cards, total)`: (page, notice or "").

    For a list that must visit every match to order it (by rank, or by newest first): the
    fetch reads the page and the total in one pass. A page number past the end shows the
    last page, with a notice.
    """
    cards, total = fetch(number)
    notice = ""
    if not cards and number > 1 and not total:
        number = 1  # nothing matches: there is only the (empty) first page
    elif not cards and number > 1:
        last = -(-total // per_page)
        if number < MAX_PAGE:
            notice = directory_notice_page(number, last)
        number = last
        cards, total = fetch(number)
    paginator = Paginator([], per_page)
    paginator.count = total  # a cached_property: set it, no COUNT query
    return Page(cards, number, paginator), notice


def _page_number(request) -> tuple[int, str]:
    raw = request.GET.get("page", "").strip()
    if not raw:
        return 1, ""
    if parse_int(raw, minimum=1, max_digits=6) is not None:
        return int(raw), ""
    return 1, _("“%(value)s” is not a page number: showing the first page.") % {"value": raw[:20]}


_options_memo: dict[int, dict] = {}


def _directory_options(user) -> dict:
    """The filter form's terms and spaces and the word-to-term index, kept per process until
    the directory's version changes (every term, space, profile, company or membership
    change bumps it); `DirectoryView` also keeps here the options it rendered and the
    unfiltered totals.

    They change a few times a day and every directory request needs them: one cache read of
    the version instead of two queries. Independent of DIRECTORY_CACHE_SECONDS, which is
    about the results (cached per query string and viewer class); a version bump is the
    only thing that can make these lists stale, and it is checked on every request.
    """
    version = directory_version()
    options = _options_memo.get(version)
    if options is None:
        options = directory_options(user=user)
        _options_memo.clear()  # only the current version is worth keeping
        _options_memo[version] = options
    return options


def _filter_choices(options: dict) -> dict[str, str]:
    """The filter selects' `<option>`s, rendered once per language and options version
    (kept in the options' memo): `{% options_html %}` then only marks the chosen one."""
    language = get_language() or "en"
    rendered = options.setdefault("rendered", {})
    if language not in rendered:
        fixed = directory_choices()
        rendered[language] = {
            name: options_render(choices)
            for name, choices in (
                ("terms", [(t.slug, t.label(language)) for t in options["terms"]]),
                ("spaces", [(sp.slug, f"{sp.name} ({sp.city})") for sp in options["spaces"]]),
                ("languages", fixed["languages"]),
                ("plans", fixed["plans"]),
                ("joined", fixed["joined"]),
                (
                    "sort",
                    [("", _("Best match")), ("name", _("Name")), ("recent", _("Newest members"))],
                ),
            )
        }
    return rendered[language]


class DirectoryView(View):
    """The directory: search, filters, sorting, pagination; as a page or as a fragment.

    The results fragment and the filter options are cached per viewer class and query string
    (see members.directory_cache): a popular search costs one cache read.
    """

    template_name = "members/directory.html"
    fragment_template = "members/_directory_results.html"

    def get(self, request):
        options = _directory_options(request.user)
        query = directory_parse(request.GET, options={**options, **directory_choices()})
        canonical = urlencode(sorted((k, v) for k, vs in request.GET.lists() for v in vs))
        results_key = cache_key("results", user=request.user, query_string=canonical)
        html = cache_get(results_key)
        if html is None:
            html = self._results(request, query, options)
            cache_set(results_key, html)
        if _is_fragment(request):
            response = HttpResponse(html)
        else:
            context = {
                "query": query,
                "choices": _filter_choices(options),
                "results_html": mark_safe(html),  # our own rendered template
            }
            response = render(request, self.template_name, context)
        patch_vary_headers(response, [FRAGMENT_HEADER])
        return response

    def _results(self, request, query, options) -> str:
        user = request.user
        if query.filtered and connection.vendor == "postgresql":
            # Every filter and order, from the narrow search rows: one query.
            def fetch(number):
                return directory_search_page(
                    user=user, query=query, term_index=options["term_words"], number=number
                )

            page, notice = directory_page(fetch, query.page)
        elif query.filtered:
            qs = directory_profiles(user=user, query=query)
            fetch = _profile_page_fetch(qs, user=user, per_page=PER_PAGE)
            page, notice = directory_page(fetch, query.page)
        elif connection.vendor == "postgresql":
            # Unfiltered: the name index walked for 24 and their cards, in one query. How
            # many people a viewer class sees changes only with a profile's creation,
            # deletion or visibility — each bumps the version the options are kept under —
            # so it is counted once per version and class, not on every request.
            counts = options.setdefault("counts", {})
            cls = viewer_class(user)
            known = counts.get(cls) if cls else None

            def fetch(number):
                return directory_list_page(user=user, sort=query.sort, number=number, total=known)

            page, notice = directory_page(fetch, query.page)
            if cls:
                counts[cls] = page.paginator.count
        else:
            page, notice = paginate(directory_profiles(user=user, query=query), query.page)
        if notice:
            query.notices.append(notice)
        params = query.params()
        context = {
            "query": query,
            "page_obj": page,
            "profiles": page.object_list,
            "page_base": "?" + urlencode(params) + ("&" if params else ""),
        }
        return render_to_string(self.fragment_template, context, request)


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
        return ctx


class ProfileEditView(LoginRequiredMixin, UpdateView):
    """The owner edits their profile. Someone else's profile: 403 (404 if they can't see it)."""

    template_name = "members/profile_form.html"
    form_class = ProfileForm
    context_object_name = "profile"

    def get_object(self, queryset=None):
        profile = get_object_or_404(
            Profile.objects.visible_to(self.request.user).select_related("company"),
            slug=self.kwargs["slug"],
        )
        if profile.user_id != self.request.user.pk:
            raise PermissionDenied(_("You can only edit your own profile."))
        return profile

    def post(self, request, *args, **kwargs):
        # Refuse an oversized upload before parsing it.
        length = request.META.get("CONTENT_LENGTH") or "0"
        if (parse_int(length) or 0) > MAX_BYTES + 1_048_576:
            self.object = self.get_object()
            form = self.get_form_class()(instance=self.object)
            messages.error(
                request,
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

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["companies"] = list(
            Company.objects.order_by("name").values_list("name", flat=True)[:500]
        )
        return ctx


class MyProfileEditView(LoginRequiredMixin, View):
    def get(self, request):
        return redirect("members:profile_edit", slug=request.user.profile.slug)


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
        number, notice = _page_number(self.request)
        qs = type(self).members_selector(
            user=self.request.user, **{self.context_object_name: self.object}
        )
        page, clamp_notice = paginate(qs, number)
        ctx["page_obj"] = page
        ctx["profiles"] = page.object_list
        ctx["notices"] = [n for n in (notice, clamp_notice) if n]
        ctx["page_base"] = "?"
        return ctx


class CompanyDetailView(_MembersPage):
    model = Company
    context_object_name = "company"
    template_name = "members/company_detail.html"
    members_selector = staticmethod(company_members)

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
        return ctx


# --- JSON endpoints --------------------------------------------------------------------------


def _q(request) -> str:
    return request.GET.get("q", "")[:200]


class TermAutocompleteView(View):
    """Vocabulary terms the visitor may use (approved, plus their own proposals)."""

    def get(self, request):
        return JsonResponse({"results": terms_autocomplete(user=request.user, q=_q(request))})


class PeopleAutocompleteView(View):
    """People by name, through `visible_to` like every list of people."""

    def get(self, request):
        return JsonResponse({"results": people_autocomplete(user=request.user, q=_q(request))})


class CompanyAutocompleteView(View):
    def get(self, request):
        q = " ".join(_q(request).split())[:60]
        names = []
        if q:
            names = list(
                Company.objects.filter(Q(name__icontains=q))
                .order_by("name")
                .values_list("name", flat=True)[:10]
            )
        return JsonResponse({"results": names})


# --- my data ---------------------------------------------------------------------------------


class MyDataView(LoginRequiredMixin, TemplateView):
    template_name = "members/my_data.html"


class MyDataDownloadView(LoginRequiredMixin, View):
    """Everything we hold about the member, from this app and every registered section."""

    def get(self, request):
        user = request.user
        data = {
            "generated_at": timezone.now(),
            "site": request.build_absolute_uri("/"),
            "sections": export_collect(user),
        }
        body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="betacowork-my-data-{stamp}.json"'
        response["Cache-Control"] = "no-store"
        return response


class AccountDeleteView(LoginRequiredMixin, FormView):
    template_name = "members/account_delete.html"
    form_class = AccountDeleteForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def form_valid(self, form):
        user = self.request.user
        logout(self.request)
        account_delete(user=user)
        messages.success(self.request, _("Your account and your profile are deleted. Goodbye!"))
        return redirect(reverse("home"))
