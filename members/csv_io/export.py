"""Exporting a filtered list of members in the import's columns."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from ..models import Membership, Profile
from .columns import COLUMNS, EXPORT_ONLY, LIST_SEP


def members_export_rows(profiles: Iterable[Profile]) -> Iterable[list[str]]:
    """Header then one row per profile, in the import's columns (plus EXPORT_ONLY)."""
    yield [*COLUMNS, *EXPORT_ONLY]
    for p in profiles:
        active = [m for m in p.user.memberships.all() if m.status == Membership.Status.ACTIVE]
        plan = active[0].plan if active and p.home_space_id == active[0].space_id else ""
        yield [
            p.user.email,
            p.display_name,
            p.headline,
            p.job_title,
            p.company.name if p.company else "",
            p.city,
            p.region,
            p.phone,
            p.website,
            p.linkedin,
            LIST_SEP.join(p.languages or []),
            LIST_SEP.join(t.slug for t in p.skills.all()),
            LIST_SEP.join(t.slug for t in p.offers.all()),
            LIST_SEP.join(t.slug for t in p.seeks.all()),
            p.home_space.slug if p.home_space else "",
            plan,
            p.member_since.isoformat() if p.member_since else "",
            p.visibility,
            # Brussels dates (TIME_ZONE): 00:30 there is still the day before in UTC.
            timezone.localdate(p.user.date_joined).isoformat(),
            timezone.localdate(p.user.last_login).isoformat() if p.user.last_login else "",
        ]


def members_export_queryset(qs):
    return qs.select_related("user", "company", "home_space").prefetch_related(
        "skills", "offers", "seeks", "user__memberships"
    )
