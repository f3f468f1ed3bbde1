"""Reads of the members app: querysets with what each page needs."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from .models import Profile, Space


def profile_list(*, user) -> QuerySet[Profile]:
    return (
        Profile.objects.visible_to(user)
        .select_related("company", "home_space")
        .prefetch_related("skills", "offers")
        .order_by("display_name", "pk")
    )


def community_figures() -> dict:
    """Headline figures for the home page (counts only: no names, so no privacy concern)."""
    spaces = Space.objects.annotate(
        active_members=Count("memberships", filter=Q(memberships__status="active"))
    ).order_by("name")
    return {"members": Profile.objects.count(), "spaces": list(spaces)}
