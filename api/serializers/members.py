"""Chapters, spaces, companies, and the directory's member cards and profiles."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from events.chapters.selectors import chapter_organisers
from members.models import Chapter

from .common import CompanyRefSerializer, SpaceRefSerializer


class OrganiserSerializer(serializers.Serializer):
    name = serializers.CharField()
    url = serializers.CharField(help_text="Their profile page.")


class ChapterSerializer(serializers.Serializer):
    """A chapter; organisers are named only where the caller may see their profile, the
    others are counted in `unnamed_organisers`."""

    slug = serializers.CharField()
    name = serializers.CharField()
    url = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=Chapter.Status.choices)
    description = serializers.CharField()
    places = serializers.CharField(help_text="Cities and regions, comma-separated.")
    space = SpaceRefSerializer()
    follower_count = serializers.IntegerField()
    organisers = serializers.SerializerMethodField()
    unnamed_organisers = serializers.SerializerMethodField()

    def get_url(self, chapter) -> str:
        return self.context["request"].build_absolute_uri(chapter.get_absolute_url())

    def _organisers(self, chapter):
        memo = self.context.setdefault("organisers", {})
        if chapter.pk not in memo:
            memo[chapter.pk] = chapter_organisers(
                chapter=chapter, viewer=self.context["request"].user
            )
        return memo[chapter.pk]

    @extend_schema_field(OrganiserSerializer(many=True))
    def get_organisers(self, chapter) -> list[dict]:
        request = self.context["request"]
        return [
            {"name": o.name, "url": request.build_absolute_uri(o.url)}
            for o in self._organisers(chapter).named
        ]

    def get_unnamed_organisers(self, chapter) -> int:
        return self._organisers(chapter).unnamed


class SpaceSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    url = serializers.SerializerMethodField()
    city = serializers.CharField()
    address = serializers.CharField()
    network = serializers.CharField()
    website = serializers.CharField()
    description = serializers.CharField()
    member_count = serializers.IntegerField(
        help_text="The people of this space the caller may see."
    )

    def get_url(self, space) -> str:
        return self.context["request"].build_absolute_uri(space.get_absolute_url())


class CompanySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    url = serializers.SerializerMethodField()
    website = serializers.CharField()
    description = serializers.CharField()
    member_count = serializers.IntegerField(
        help_text="Its people whose profile the caller may see."
    )

    def get_url(self, company) -> str:
        return self.context["request"].build_absolute_uri(company.get_absolute_url())


class TermSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField(help_text="In the language asked for (Accept-Language).")


class MemberCardSerializer(serializers.Serializer):
    """A directory card (what the directory page shows of a member)."""

    slug = serializers.CharField()
    name = serializers.CharField()
    headline = serializers.CharField()
    job_title = serializers.CharField()
    company = CompanyRefSerializer(allow_null=True)
    url = serializers.CharField()
    avatar = serializers.CharField(allow_null=True)
    skills = TermSerializer(many=True, help_text="The first few, as on the card.")
    more_skills = serializers.IntegerField(help_text="How many more skills the profile lists.")
    offers = TermSerializer(many=True, help_text="The first few, as on the card.")
    more_offers = serializers.IntegerField(help_text="How many more offers the profile lists.")


class DirectoryPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(
        help_text="How many members match — at most the directory's cap (see `capped`)."
    )
    capped = serializers.BooleanField(
        help_text="More members match than the directory counts: `count` is the cap, and "
        "the pages stop there (narrow the search)."
    )
    next = serializers.CharField(allow_null=True)
    results = MemberCardSerializer(many=True)


class ProfileSerializer(MemberCardSerializer):
    """A member's profile as the caller may see it: contact details only as shared with
    them (never to anonymous callers)."""

    bio = serializers.CharField()
    city = serializers.CharField()
    region = serializers.CharField()
    website = serializers.CharField()
    linkedin = serializers.CharField()
    languages = serializers.ListField(child=serializers.CharField())
    seeks = TermSerializer(many=True)
    offers_text = serializers.CharField()
    seeks_text = serializers.CharField()
    member_since = serializers.DateField(allow_null=True)
    home_space = SpaceRefSerializer(allow_null=True)
    email = serializers.CharField(allow_null=True)
    phone = serializers.CharField(allow_null=True)


class CardWriter:
    """Member cards as plain dicts, built like the directory page builds its HTML cards
    (`members_tags.profile_cards`): from the card fields and the denormalised `card` JSON,
    with the URLs reversed once per list.

    With `request`, the card's `url` and `avatar` are absolute for that request's scheme and
    host; without, they are paths — what a cache shared by every host may keep
    (`cards_absolute()` completes them for each request)."""

    def __init__(self, request=None) -> None:
        self.lang = (get_language() or "en")[:2]
        base = origin(request) if request is not None else ""
        mark = "__slug__"
        page = base + reverse("members:profile", kwargs={"slug": mark})
        thumb = base + reverse("members:avatar_thumb", kwargs={"slug": mark})
        self.page = page.split(mark)
        self.thumb = thumb.split(mark)

    def term(self, t: dict) -> dict:
        return {"slug": t["s"], "name": t.get(self.lang) or t["en"]}

    def card(self, profile) -> dict:
        slug = profile.slug
        company = profile.company
        data = profile.card or {}
        avatar = None
        if profile.avatar_thumb:
            avatar = f"{self.thumb[0]}{slug}{self.thumb[1]}?v={profile.avatar_version}"
        return {
            "slug": slug,
            "name": profile.display_name,
            "headline": profile.headline,
            "job_title": profile.job_title,
            "company": {"slug": company.slug, "name": company.name} if company else None,
            "url": f"{self.page[0]}{slug}{self.page[1]}",
            "avatar": avatar,
            "skills": [self.term(t) for t in data.get("skills", ())],
            "more_skills": data.get("more_skills", 0),
            "offers": [self.term(t) for t in data.get("offers", ())],
            "more_offers": data.get("more_offers", 0),
        }


def origin(request) -> str:
    """The scheme and host the caller used (`https://example.org`), as links made for it
    start; only hosts in ALLOWED_HOSTS get this far."""
    return request.build_absolute_uri("/").rstrip("/")


def cards_absolute(cards: list[dict], request) -> list[dict]:
    """Cards written without a request (`CardWriter()`), with their links made absolute for
    this one: new dicts, the cached ones are left as they are."""
    base = origin(request)
    return [
        {
            **card,
            "url": base + card["url"],
            "avatar": base + card["avatar"] if card["avatar"] else None,
        }
        for card in cards
    ]
