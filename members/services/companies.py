"""Companies: found or created by name, forgotten once nobody uses them."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Length
from django.utils.translation import gettext as _

from ..models import Company
from .slugs import unique_slug
from .vocabulary import vocabulary_key


def company_resolve(*, name: str) -> Company | None:
    """The company called `name`, created if nobody used that name yet.

    The same name up to case, accents on Latin letters and spacing (`vocabulary_key()`):
    "élan studio" and "Elan-Studio" are "Élan Studio". Compared in Python, not with the
    database's `iexact`, which on SQLite ignores the case of ASCII letters only; among the
    names of the same length (a letter with or without its accent is one character), so an
    import does not read every company for each row."""
    # NFC: an "É" typed as E and a combining accent is the same letter as a precomposed one.
    name = " ".join(unicodedata.normalize("NFC", name or "").split())[:160]
    if not name:
        return None
    for _attempt in range(3):
        existing = _company_find(name)
        if existing is not None:
            return existing
        try:
            # In a savepoint: a member creating the same company at the same moment takes
            # the slug first and this insert fails alone; the name is then looked up again.
            with transaction.atomic():
                # The fallback is a URL's word, the same whoever types the name.
                return Company.objects.create(
                    name=name, slug=unique_slug(Company, name, fallback="company")
                )
        except IntegrityError:
            continue
    raise ValidationError(_("Please try again: the company list changed while you saved."))


def _company_find(name: str) -> Company | None:
    """The company whose name is `name` up to case, accents and spacing (oldest first)."""
    existing = Company.objects.filter(name__iexact=name).order_by("pk").first()
    if existing:
        return existing
    key = vocabulary_key(name)
    same_length = (
        Company.objects.annotate(name_length=Length("name"))
        .filter(name_length=len(name))
        .order_by("pk")
        .values_list("pk", "name")
    )
    for pk, other in same_length:
        if vocabulary_key(other) == key:
            return Company.objects.get(pk=pk)
    return None


def company_forget_if_unused(*, company_id: int | None) -> bool:
    """Delete the company if nothing is left of it: nobody's company any more, nothing staff
    wrote about it (website, description), nothing else pointing at it (a collaboration…).

    Called when a member leaves it (another company, none, their account deleted): a typo
    or a one-person company must not stay in everyone's suggestions, nor on a public page,
    once its last member has gone. Returns whether it was deleted."""
    if company_id is None:
        return False
    company = (
        Company.objects.select_for_update()
        .filter(pk=company_id, website="", description="")
        .first()
    )
    if company is None:
        return False
    for relation in Company._meta.related_objects:
        related = relation.related_model._base_manager
        if related.filter(**{relation.field.name: company}).exists():
            return False
    company.delete()
    return True
