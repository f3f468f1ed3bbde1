"""/api/v1/chapters/, /api/v1/spaces/, /api/v1/companies/."""

from __future__ import annotations

from django.db.models import F, Func, OuterRef, Subquery
from django.db.models.functions import Coalesce
from drf_spectacular.utils import extend_schema

from members.models import Profile, Space
from members.selectors import companies_visible_to, spaces_with_member_counts

from ..pagination import KeysetPagination
from ..selectors import api_chapters
from ..serializers.members import ChapterSerializer, CompanySerializer, SpaceSerializer
from .base import ApiView, error_responses


class _ListView(ApiView):
    pagination_class = KeysetPagination
    paginated = True
    ordering = ("name", "pk")

    def get_queryset(self):
        raise NotImplementedError

    def prepare(self, rows: list) -> list:
        return rows

    def get(self, request):
        page = self.prepare(self.paginate_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema(responses={200: ChapterSerializer(many=True), **error_responses()})
class ChapterListView(_ListView):
    """Regional chapters, by name."""

    serializer_class = ChapterSerializer

    def get_queryset(self):
        return api_chapters()


@extend_schema(responses={200: SpaceSerializer(many=True), **error_responses()})
class SpaceListView(_ListView):
    """Coworking spaces, by name, with how many of their people the caller may see (the
    number the home and space pages show the same caller)."""

    serializer_class = SpaceSerializer

    def get_queryset(self):
        return Space.objects.all()

    def prepare(self, rows: list) -> list:
        counts = {s.pk: s.member_count for s in spaces_with_member_counts(user=self.request.user)}
        for space in rows:
            space.member_count = counts.get(space.pk, 0)
        return rows


@extend_schema(responses={200: CompanySerializer(many=True), **error_responses()})
class CompanyListView(_ListView):
    """Companies, by name, with how many of their people the caller may see."""

    serializer_class = CompanySerializer

    def get_queryset(self):
        people = (
            Profile.objects.visible_to(self.request.user)
            .filter(company_id=OuterRef("pk"))
            .order_by()
            .values(n=Func(F("pk"), function="COUNT"))
        )
        # The companies whose page the caller may open: not one whose people are all hidden
        # from them (a one-person company would say its hidden person is a member).
        visible = companies_visible_to(user=self.request.user, with_page=True)
        return visible.annotate(member_count=Coalesce(Subquery(people), 0))
