"""Writes of the members app."""

from __future__ import annotations

from django.db import transaction
from django.utils.text import slugify

from .models import Profile, User


def unique_slug(model, base: str, *, field: str = "slug", exclude_pk=None) -> str:
    """A slug for `base` that no other row of `model` uses."""
    root = (slugify(base) or "member")[:150]
    slug, n = root, 1
    qs = model.objects.all()
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    while qs.filter(**{field: slug}).exists():
        n += 1
        slug = f"{root}-{n}"
    return slug


@transaction.atomic
def profile_create_for_user(*, user: User, **fields) -> Profile:
    name = user.name or user.email.split("@")[0]
    return Profile.objects.create(
        user=user,
        display_name=fields.pop("display_name", name),
        slug=unique_slug(Profile, name),
        **fields,
    )
