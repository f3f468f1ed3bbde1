"""Slugs: one spelling of a name for URLs, unique within its table."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils.text import slugify

from ..search import LATIN_SPELT


def _unaccented(text: str) -> str:
    """`text` with the accents of Latin (and Greek) letters dropped ("Équipe" → "Equipe",
    "Œnologie" → "Oenologie"),
    whatever else it holds kept as it is: a mark on a letter of another script is part of the
    letter (Russian "й" is not "и", Japanese "が" not "か"). Compatibility forms are unfolded
    (full-width "C#" is "C#")."""
    kept: list[str] = []
    strip = False
    for ch in unicodedata.normalize("NFKD", (text or "").translate(LATIN_SPELT)):
        if not unicodedata.combining(ch):
            strip = ch.isascii() or unicodedata.name(ch, "").startswith(("LATIN ", "GREEK "))
        elif strip:
            continue
        kept.append(ch)
    return unicodedata.normalize("NFKC", "".join(kept))


# How a slug spells the symbols that tell labels apart ("C++" and "C#" would both be "c").
_SLUG_SYMBOLS = ((re.compile(r"\+"), " plus "), (re.compile(r"(?<=\w)#"), " sharp "))


def unique_slug(
    model,
    base: str,
    *,
    field: str = "slug",
    exclude_pk=None,
    fallback: str = "member",
    also_taken: Iterable[QuerySet] = (),
) -> str:
    """A slug for `base` that no other row of `model` uses.

    Latin letters lose their accents ("Léa Dubois" → "lea-dubois"); "+" and a "#" after a
    letter are spelt out ("C++" → "c-plus-plus", "C#" → "c-sharp"); other scripts are kept
    where the field allows unicode ("日本語"), else — or when nothing is left (an emoji) —
    `fallback` stands in, with a number if taken ("company-2"). A slug one of the
    `also_taken` querysets has in `field` is taken too (a profile's former addresses).
    """
    model_field = model._meta.get_field(field)
    text = _unaccented(base)
    for pattern, spelt in _SLUG_SYMBOLS:
        text = pattern.sub(spelt, text)
    root = slugify(text, allow_unicode=model_field.allow_unicode)
    # Room for "-<number>" within the column.
    root = root[: min(150, model_field.max_length - 8)].strip("-") or fallback
    slug, n = root, 1
    qs = model.objects.all()
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    others = [qs, *also_taken]
    while any(other.filter(**{field: slug}).exists() for other in others):
        n += 1
        slug = f"{root}-{n}"
    return slug
