"""The vocabulary: tags typed by members become terms; staff approve and merge them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..directory.cache import directory_invalidate
from ..models import Profile, Term, User
from ..search import fold, profile_search_refresh, profiles_of_terms, search_refresh_batch
from .slugs import _unaccented, unique_slug

MAX_TAGS = 12
MAX_TAG_CHARS = 60
MAX_NEW_TERMS_PER_EDIT = 5


_TAG_SPACING = re.compile(r"[\s_\-\u2010-\u2015]+")


def vocabulary_key(label: str) -> str:
    """What makes two labels the same term: the same label up to case, accents on Latin
    letters and spacing ("Équipe" is "equipe", "e-commerce" is "E commerce"). Every other
    symbol counts: "C++", "C#" and "C", ".NET" and "NET", "Node.js" are different terms.

    Not `members.search.fold()`, which keeps letters and digits only: right for finding
    words in the directory's search, wrong for telling one term from another."""
    text = _unaccented(unicodedata.normalize("NFKD", label or "").casefold())
    return " ".join(_TAG_SPACING.sub(" ", text).split())


def _slug_is_a_name(term: Term) -> bool:
    """Whether a term's slug may be typed for it: not when it is one of its names with the
    symbols dropped (the slug "c" of "C++", "net" of ".NET"), which would give this term to
    whoever types "C" or "NET". Spelt-out or other slugs ("c-plus-plus", "ecommerce") may."""
    slug = vocabulary_key(term.slug)
    for name in (term.name_en, term.name_fr, term.name_nl):
        if name and fold(name) == slug != vocabulary_key(name):
            return False
    return True


def vocabulary_index(terms: Iterable[Term]) -> dict[str, Term]:
    """`vocabulary_key()` of each term's slug, names (en/fr/nl) and synonyms → term, approved
    terms winning."""
    index: dict[str, Term] = {}
    ordered = sorted(terms, key=lambda t: (t.status != Term.Status.APPROVED, t.pk))
    for term in ordered:
        slug = [term.slug] if _slug_is_a_name(term) else []
        for word in (*slug, term.name_en, term.name_fr, term.name_nl):
            key = vocabulary_key(word)
            if key:
                index.setdefault(key, term)
    for term in ordered:  # synonyms only where no name claims the word
        for word in term.synonym_list:
            key = vocabulary_key(word)
            if key:
                index.setdefault(key, term)
    return index


TAG_SEPARATORS = ",;"
_TAG_SPLIT = re.compile(f"([{TAG_SEPARATORS}])")
_SPACED_SEPARATOR = re.compile(f"\\s*([{TAG_SEPARATORS}])\\s*")


def _tag_parts(raw: str, whole: Iterable[str]) -> list[str]:
    """`raw` split at its separators, except where the pieces make one of the `whole` labels
    (up to `vocabulary_key()` and the spacing around separators): that label then, as given
    (a term named with a comma before names could not hold one)."""

    def key(label: str) -> str:
        return _SPACED_SEPARATOR.sub(r"\1", vocabulary_key(label))

    pieces = _TAG_SPLIT.split(raw or "")  # text, separator, text, …
    labels = {key(label): label for label in whole if _TAG_SPLIT.search(label)}
    widest = max((len(_TAG_SPLIT.split(k)) for k in labels), default=1)
    parts, i = [], 0
    while i < len(pieces):
        for end in range(min(len(pieces), i + widest), i + 1, -2):
            label = labels.get(key("".join(pieces[i:end])))
            if label is not None:
                break
        else:
            end, label = i + 1, pieces[i]
        parts.append(label)
        i = end + 1  # past the separator after it
    return parts


def tags_parse(raw: str, *, whole: Iterable[str] = ()) -> list[str]:
    """Comma-separated labels, trimmed and de-duplicated (the same `vocabulary_key()`: case,
    Latin accents and spacing aside). A label with no letter nor digit is no tag.

    `whole`: labels kept in one piece although they hold a separator — those a form showed
    (the names of terms named so before the admin refused it)."""
    labels: list[str] = []
    seen: set[str] = set()
    for part in _tag_parts(raw, whole):
        label = " ".join(part.split())
        key = vocabulary_key(label)
        if label and fold(label) and key not in seen:
            seen.add(key)
            labels.append(label)
    return labels


def vocabulary_for_proposals() -> dict[str, Term]:
    """The index new tags are resolved with: every term, approved or still proposed.

    Approved terms win; a word nobody approved yet is the first proposal of it, whoever made
    it: a second member typing the same word (up to case, accents and spacing) joins that
    proposal instead of making another one that staff would have to review again. (The
    autocomplete still shows a member only the approved terms and their own proposals.)"""
    return vocabulary_index(Term.objects.all())


def terms_resolve(
    *, labels: Sequence[str], proposer: User | None, index: dict[str, Term] | None = None
) -> list[Term]:
    """Terms for these labels; a label no term knows becomes a *proposed* term, a label
    someone already proposed joins that proposal (`vocabulary_for_proposals()`).

    Staff approve or merge proposals in the admin; until then only the proposer sees them in
    the autocomplete.
    """
    if index is None:
        index = vocabulary_for_proposals()
    terms: list[Term] = []
    for label in labels:
        key = vocabulary_key(label)
        term = index.get(key)
        if term is None:
            term = _term_propose(label=label, key=key, proposer=proposer)
            index[key] = term
        if term not in terms:
            terms.append(term)
    return terms


def _term_propose(*, label: str, key: str, proposer: User | None) -> Term:
    """A new proposed term for `label`, unless someone's proposal of it was committed since
    the caller read the vocabulary (two members saving the same new word at once): that
    proposal then. The insert runs in a savepoint: a concurrent insert of the same slug
    fails it alone, and the word is looked up again."""
    for _attempt in range(3):
        found = vocabulary_for_proposals().get(key)
        if found is not None:
            return found
        try:
            with transaction.atomic():
                return Term.objects.create(
                    slug=unique_slug(Term, label, fallback="term"),
                    name_en=label[:MAX_TAG_CHARS],
                    status=Term.Status.PROPOSED,
                    proposed_by=proposer,
                )
        except IntegrityError:
            continue
    raise ValidationError(_("Please try again: the vocabulary changed while you saved."))


def tags_validate(raw: str, *, whole: Iterable[str] = ()) -> list[str]:
    """`tags_parse()`'s labels, or a ValidationError: too many, or one too long."""
    labels = tags_parse(raw, whole=whole)
    if len(labels) > MAX_TAGS:
        raise ValidationError(
            _("At most %(n)d tags here; you gave %(given)d.")
            % {"n": MAX_TAGS, "given": len(labels)}
        )
    too_long = [label for label in labels if len(label) > MAX_TAG_CHARS]
    if too_long:
        raise ValidationError(
            _("A tag is at most %(n)d characters: “%(tag)s…”")
            % {"n": MAX_TAG_CHARS, "tag": too_long[0][:30]}
        )
    return labels


def new_labels(*, labels: Iterable[str], user: User) -> list[str]:
    """The labels that would become new proposed terms (not those joining a proposal)."""
    index = vocabulary_for_proposals()
    return [label for label in labels if vocabulary_key(label) not in index]


@transaction.atomic
def term_approve(*, terms: Iterable[Term]) -> int:
    count = Term.objects.filter(pk__in=[t.pk for t in terms]).update(status=Term.Status.APPROVED)
    directory_invalidate()  # approved terms become directory filters
    return count


@transaction.atomic
def term_merge(*, survivor: Term, others: Iterable[Term]) -> int:
    """Fold `others` into `survivor`: every profile's skills/offers/seeks are repointed.

    Set-based: one INSERT … per relation (ignoring rows the profile already has), then the
    merged terms are deleted. Their names become synonyms of the survivor, so searches for
    the old spellings still find the same people. Returns the number of profiles touched.
    """
    others = [t for t in others if t.pk != survivor.pk]
    if not others:
        return 0
    other_ids = [t.pk for t in others]
    affected = profiles_of_terms(other_ids)
    for field in ("skills", "offers", "seeks"):
        through = getattr(Profile, field).through
        profile_ids = set(
            through.objects.filter(term_id__in=other_ids).values_list("profile_id", flat=True)
        )
        through.objects.bulk_create(
            [through(profile_id=pid, term_id=survivor.pk) for pid in profile_ids],
            ignore_conflicts=True,
            batch_size=1000,
        )
    words = survivor.synonym_list
    known = {
        vocabulary_key(w) for w in [*words, survivor.name_en, survivor.name_fr, survivor.name_nl]
    }
    for term in others:
        for word in (term.name_en, term.name_fr, term.name_nl, *term.synonym_list):
            if word and vocabulary_key(word) not in known:
                known.add(vocabulary_key(word))
                words.append(word)
    survivor.synonyms = ", ".join(words)[:255]
    survivor.status = Term.Status.APPROVED
    with search_refresh_batch():
        survivor.save()
        Term.objects.filter(pk__in=other_ids).delete()
    profile_search_refresh(profile_ids=affected | profiles_of_terms([survivor.pk]))
    return len(affected)


def proposals_forget_unused(*, term_ids: Iterable[int]) -> int:
    """Withdraw those of these terms that are still proposals and that no profile uses any
    more (a typo fixed, a word dropped, its proposer's account deleted): staff do not review
    a word nobody uses. Approved terms stay. Returns how many went."""
    unused = Term.objects.filter(
        pk__in=list(term_ids),
        status=Term.Status.PROPOSED,
        skilled_profiles__isnull=True,
        offering_profiles__isnull=True,
        seeking_profiles__isnull=True,
    )
    ids = list(unused.values_list("pk", flat=True))
    if ids:
        Term.objects.filter(pk__in=ids).delete()
    return len(ids)
