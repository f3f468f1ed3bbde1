"""Chapter pages: the list, one chapter (events, feed, organisers, its region working
elsewhere), and the actions on it: follow, unfollow, invite the region.

Anyone may read; the actions are POST only (a GET answers 405), name an existing chapter
(else 404), send anonymous visitors to the login page and back to the chapter, and ask the
permission layer (`members/rules.py`) before anything is written.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import TemplateView

from members.chapters import chapter_follow, chapter_unfollow
from members.models import Chapter

from ..feeds import public_feed_link
from . import selectors
from .services import chapter_diaspora_invite


class ChapterListView(TemplateView):
    template_name = "chapters/chapter_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        chapters = selectors.chapter_list(user=user)
        ctx["chapters"] = [
            {
                "chapter": chapter,
                "organisers": selectors.chapter_organisers(chapter=chapter, viewer=user),
                "next_event": chapter.next_events[0] if chapter.next_events else None,
            }
            for chapter in chapters
        ]
        # What a member follows, said once at the top (each card says it too).
        ctx["followed"] = [chapter for chapter in chapters if chapter.followed]
        return ctx


class ChapterDetailView(TemplateView):
    template_name = "chapters/chapter_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        chapter = get_object_or_404(selectors.chapters_with_counts(), slug=kwargs["slug"])
        upcoming = list(
            selectors.chapter_upcoming_events(chapter=chapter, user=user)[
                : selectors.UPCOMING_SHOWN + 1
            ]
        )
        past = Paginator(
            selectors.chapter_past_events(chapter=chapter, user=user), selectors.PAST_PER_PAGE
        ).get_page(self.request.GET.get("past"))
        diaspora, diaspora_count = selectors.chapter_diaspora(chapter=chapter, viewer=user)
        can_organise = user.has_perm("members.organise_chapter", chapter)
        ctx.update(
            can_organise=can_organise,
            invite_event=selectors.chapter_next_event(chapter=chapter) if can_organise else None,
            chapter=chapter,
            organisers=selectors.chapter_organisers(chapter=chapter, viewer=user),
            upcoming=upcoming[: selectors.UPCOMING_SHOWN],
            more_upcoming=len(upcoming) > selectors.UPCOMING_SHOWN,
            all_upcoming_url=reverse("events:list") + "?" + urlencode({"chapter": chapter.slug}),
            past=past,
            feed=public_feed_link(self.request, chapter=chapter),
            following=selectors.is_following(chapter=chapter, user=user),
            diaspora=diaspora,
            diaspora_count=diaspora_count,
            directory_places=[
                (place, reverse("members:directory") + "?" + urlencode({"place": place}))
                for place in chapter.place_list
            ],
        )
        return ctx


class _ChapterAction(View):
    """A POST on one chapter, asked of the permission layer (`permission_required`)."""

    http_method_names = ["post"]
    permission_required = "members.follow_chapter"
    permission_denied_message = _lazy("You may not do this.")

    def dispatch(self, request, *args, **kwargs):
        if request.method.lower() not in self.http_method_names:
            return self.http_method_not_allowed(request, *args, **kwargs)
        self.chapter = get_object_or_404(
            Chapter.objects.select_related("space"), slug=kwargs["slug"]
        )
        if not request.user.is_authenticated:
            # Back to the chapter's page (the action's URL answers POST only).
            return redirect_to_login(self.chapter.get_absolute_url())
        if not request.user.has_perm(self.permission_required, self.chapter):
            raise PermissionDenied(str(self.permission_denied_message))
        return super().dispatch(request, *args, **kwargs)

    def done(self):
        return redirect(self.chapter.get_absolute_url())


class ChapterFollowView(_ChapterAction):
    def post(self, request, slug):
        name = self.chapter.name
        if chapter_follow(chapter=self.chapter, user=request.user):
            messages.success(
                request,
                _("You follow %(chapter)s: you will hear about its new events.")
                % {"chapter": name},
            )
        else:
            messages.info(request, _("You already follow %(chapter)s.") % {"chapter": name})
        return self.done()


class ChapterUnfollowView(_ChapterAction):
    def post(self, request, slug):
        name = self.chapter.name
        if chapter_unfollow(chapter=self.chapter, user=request.user):
            messages.success(request, _("You no longer follow %(chapter)s.") % {"chapter": name})
        else:
            messages.info(request, _("You were not following %(chapter)s.") % {"chapter": name})
        return self.done()


class ChapterInviteDiasporaView(_ChapterAction):
    """One click: tell the chapter's region working elsewhere about its next event."""

    permission_required = "members.organise_chapter"
    permission_denied_message = _lazy("Only staff and the chapter's organisers can do this.")

    def post(self, request, slug):
        event = selectors.chapter_next_event(chapter=self.chapter)
        try:
            invited = chapter_diaspora_invite(chapter=self.chapter, actor=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return self.done()
        if invited:
            messages.success(
                request,
                ngettext(
                    "%(n)d person was told about “%(event)s”.",
                    "%(n)d people were told about “%(event)s”.",
                    invited,
                )
                % {"n": invited, "event": event.title},
            )
        else:
            messages.info(
                request,
                _(
                    "Nobody new to tell about “%(event)s”: everyone in the region was already "
                    "told, is registered or follows the chapter, or turned these invitations off."
                )
                % {"event": event.title},
            )
        return self.done()
