"""Writes of the members app."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .avatars import ProcessedAvatar
from .directory.cache import directory_invalidate
from .hooks import account_delete_steps
from .models import Company, Profile, Term, User, Visibility
from .search import (
    LATIN_SPELT,
    fold,
    profile_search_refresh,
    profiles_of_terms,
    search_refresh_batch,
)
from .search_counts import search_changes_prune

logger = logging.getLogger(__name__)

MAX_TAGS = 12
MAX_TAG_CHARS = 60
MAX_NEW_TERMS_PER_EDIT = 5


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
    model, base: str, *, field: str = "slug", exclude_pk=None, fallback: str = "member"
) -> str:
    """A slug for `base` that no other row of `model` uses.

    Latin letters lose their accents ("Léa Dubois" → "lea-dubois"); "+" and a "#" after a
    letter are spelt out ("C++" → "c-plus-plus", "C#" → "c-sharp"); other scripts are kept
    where the field allows unicode ("日本語"), else — or when nothing is left (an emoji) —
    `fallback` stands in, with a number if taken ("company-2").
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
    while qs.filter(**{field: slug}).exists():
        n += 1
        slug = f"{root}-{n}"
    return slug


@transaction.atomic
def profile_create_for_user(*, user: User, **fields) -> Profile:
    """The profile of a new account; a member since today unless told otherwise (else a new
    member came last in "newest members", whose order puts unknown dates last)."""
    name = user.name or user.email.split("@")[0]
    fields.setdefault("member_since", timezone.localdate())
    return Profile.objects.create(
        user=user,
        display_name=fields.pop("display_name", name),
        slug=unique_slug(Profile, name),
        **fields,
    )


# --- companies and vocabulary ----------------------------------------------------------------


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


def tags_parse(raw: str) -> list[str]:
    """Comma-separated labels, trimmed and de-duplicated (the same `vocabulary_key()`: case,
    Latin accents and spacing aside). A label with no letter nor digit is no tag."""
    labels: list[str] = []
    seen: set[str] = set()
    for part in (raw or "").replace(";", ",").split(","):
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


def tags_validate(raw: str) -> list[str]:
    labels = tags_parse(raw)
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


# --- profiles --------------------------------------------------------------------------------


def _avatar_store(profile: Profile, avatar: ProcessedAvatar) -> None:
    old = [f.name for f in (profile.avatar, profile.avatar_thumb) if f]
    stem = f"{profile.pk}-{get_random_string(10).lower()}"
    profile.avatar.save(f"{stem}.jpg", ContentFile(avatar.full), save=False)
    profile.avatar_thumb.save(f"{stem}.jpg", ContentFile(avatar.thumb), save=False)
    _files_delete_on_commit(profile.avatar.storage, old)


def _avatar_clear(profile: Profile) -> None:
    old = [f.name for f in (profile.avatar, profile.avatar_thumb) if f]
    storage = profile.avatar.storage
    profile.avatar = ""
    profile.avatar_thumb = ""
    _files_delete_on_commit(storage, old)


def _files_delete_on_commit(storage, names: list[str]) -> None:
    def delete():
        for name in names:
            try:
                storage.delete(name)
            except OSError:
                logger.warning("Could not delete %s", name)

    if names:
        transaction.on_commit(delete)


# The owner-editable plain fields, in the order the profile form shows them.
PROFILE_FIELDS = (
    "display_name",
    "headline",
    "job_title",
    "bio",
    "offers_text",
    "seeks_text",
    "languages",
    "home_space",
    "city",
    "region",
    "website",
    "linkedin",
    "phone",
    "visibility",
    "email_visibility",
    "phone_visibility",
)


@transaction.atomic
def profile_update(
    *,
    profile: Profile,
    actor: User,
    fields: dict,
    company_name: str | None = None,
    skills: Sequence[str] | None = None,
    offers: Sequence[str] | None = None,
    seeks: Sequence[str] | None = None,
    avatar: ProcessedAvatar | None = None,
    avatar_clear: bool = False,
) -> Profile:
    """Save what the owner changed; tags become terms; the search document follows."""
    if actor.pk != profile.user_id:
        raise ValidationError(_("You can only change your own profile."))
    labels = [*(skills or []), *(offers or []), *(seeks or [])]
    if (
        len(set(map(vocabulary_key, new_labels(labels=labels, user=actor))))
        > MAX_NEW_TERMS_PER_EDIT
    ):
        raise ValidationError(
            _("You can propose at most %(n)d new tags at a time.") % {"n": MAX_NEW_TERMS_PER_EDIT}
        )
    with search_refresh_batch():
        for name in PROFILE_FIELDS:
            if name in fields:
                setattr(profile, name, fields[name])
        left_company_id = profile.company_id
        dropped = set()  # their proposals on the profile before: those nobody uses then go
        for field, tag_labels in (("skills", skills), ("offers", offers), ("seeks", seeks)):
            if tag_labels is not None and profile.pk:
                dropped.update(
                    getattr(profile, field)
                    .filter(status=Term.Status.PROPOSED, proposed_by=actor)
                    .values_list("pk", flat=True)
                )
        if company_name is not None:
            profile.company = company_resolve(name=company_name)
        if avatar is not None:
            _avatar_store(profile, avatar)
        elif avatar_clear:
            _avatar_clear(profile)
        profile.hidden_until_login = False
        profile.save()
        index = vocabulary_for_proposals()
        for field, tag_labels in (("skills", skills), ("offers", offers), ("seeks", seeks)):
            if tag_labels is not None:
                getattr(profile, field).set(
                    terms_resolve(labels=tag_labels, proposer=actor, index=index)
                )
        if left_company_id != profile.company_id:
            company_forget_if_unused(company_id=left_company_id)
        proposals_forget_unused(term_ids=dropped)
    return profile


@transaction.atomic
def profile_hide_until_first_login(*, user: User) -> None:
    """A self-service sign-up stays out of the directory, the autocompletes and the counts
    until its first login, like an imported person.

    Its address is not confirmed yet, and an unconfirmed address cannot log in: until then
    the account is no member anyone should find (nor a name anyone could claim with a
    throw-away address). `profile_unhide_on_first_login()` shows it at its first login.
    Saved, not updated in bulk, so the search row and the counts follow."""
    profile = Profile.objects.select_for_update().filter(user=user).first()
    if profile is None:
        return
    profile.visibility = Visibility.HIDDEN
    profile.hidden_until_login = True
    profile.save(update_fields=["visibility", "hidden_until_login", "updated_at"])


def profile_unhide_on_first_login(*, user: User) -> bool:
    """Imported people and self-service sign-ups are hidden until they log in; then they get
    the default visibility.

    Saved (not a queryset update) so that whatever shows profiles hears of it — the search
    row's refresh (which invalidates the directory), the dashboard's stored figures naming
    the participants it may see."""
    with transaction.atomic():
        profile = (
            Profile.objects.select_for_update().filter(user=user, hidden_until_login=True).first()
        )
        if profile is None:
            return False
        profile.hidden_until_login = False
        profile.visibility = Visibility.MEMBERS
        profile.save(update_fields=["hidden_until_login", "visibility", "updated_at"])
    return True


# --- account deletion ------------------------------------------------------------------------


@transaction.atomic
def account_delete(*, user: User) -> None:
    """Delete the account and everything that is only theirs.

    Records others keep (registrations, collaborations, messages already sent) point at
    people with SET_NULL and a name snapshot, so they survive with the name as it was.
    The other apps' steps run first, in their stated order (members/hooks.py); messages
    not yet sent to this person are cancelled last.
    """
    for step in account_delete_steps():
        step.run(user=user)
    files: list[str] = []
    storage = None
    company_id = None
    profile = Profile.objects.filter(user=user).first()
    if profile is not None:
        storage = profile.avatar.storage
        files = [f.name for f in (profile.avatar, profile.avatar_thumb) if f]
        company_id = profile.company_id
    proposals = list(
        user.proposed_terms.filter(status=Term.Status.PROPOSED).values_list("pk", flat=True)
    )
    # Deleting memberships asks for the profile's search row to be rebuilt; rebuilt in the
    # middle of the cascade it would outlive the profile. Refresh once the profile is gone.
    user_id = user.pk  # None once deleted
    with search_refresh_batch():
        user.delete()
        # Their words nobody else uses go with them; a proposal others joined stays.
        proposals_forget_unused(term_ids=proposals)
    search_changes_prune(user_id=user_id)  # their search rows' old images go too
    company_forget_if_unused(company_id=company_id)  # a one-person company goes with them
    if storage is not None:
        _files_delete_on_commit(storage, files)


def user_language_set(*, user: User, language: str) -> bool:
    """Store the interface language on the account (background email must know it: a
    cookie cannot tell a worker). Returns whether it changed; an unknown code is refused."""
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ValidationError(_("Unknown language."), code="language")
    changed = (
        User.objects.filter(pk=user.pk)
        .exclude(preferred_language=language)
        .update(preferred_language=language)
    )
    user.preferred_language = language
    return bool(changed)
