"""Search text: folding, the words of a query, a profile's weighted document, its term and
facet lexemes, the tsqueries that reach them, and its card."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from django.db.models import Q, QuerySet

from ..models import Profile, Term

MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 8
CARD_SKILLS = 4
CARD_OFFERS = 3

_NON_WORD = re.compile(r"[^\w]+|_+")
# Latin letters no Unicode decomposition takes apart, spelt as a plain keyboard types them
# ("Lætitia" is "Laetitia", "cœur" "coeur"); "ß" needs nothing here: it casefolds to "ss".
LATIN_SPELT = str.maketrans(
    {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L"}
    | {"đ": "d", "Đ": "D"}
)
# The letters `fold()` writes longer: a folded name is longer than the name by one per letter.
FOLDED_LONGER = "ßẞœŒæÆ"
# The other way a keyboard spells some letters: "Müller" typed "mueller", "Ørsted" "oersted".
# A name's and a company's words spelt so are in its document too (`profile_variants()`).
LATIN_SPELT_OTHERWISE = str.maketrans(
    {"ä": "ae", "Ä": "AE", "ö": "oe", "Ö": "OE", "ü": "ue", "Ü": "UE", "ø": "oe", "Ø": "OE"}
)
# A name's words run together in its document ("vanderberg", "jeanluc", "obrien"): runs of
# up to VARIANT_RUN words, among its first VARIANT_WORDS.
VARIANT_RUN = 4
VARIANT_WORDS = 6
# A search word finds another spelling whole ("leadubois"), or as its start only from
# VARIANT_PREFIX_CHARS letters ("vanderb"): a shorter word would find a name across its
# words ("lead" Léa Dubois, "evan" Eva Nowak). In the document (SQLite) each one is written
# after VARIANT_MARK, which no search word holds, so the ordinary prefix match passes them by.
VARIANT_PREFIX_CHARS = 7
VARIANT_MARK = "~"
# A search word ending in "s" of at least PLURAL_CHARS letters is also its singular, as a
# whole word ("translations", "développeurs": the terms "translation", "développeur").
PLURAL_CHARS = 4


def fold(text: str) -> str:
    """Lower-case, accent-free words separated by single spaces ("Développeur" → "developpeur",
    "Lætitia" → "laetitia")."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NON_WORD.sub(" ", stripped.casefold().translate(LATIN_SPELT)).split())


def query_words(raw: str) -> list[str]:
    """The words of a search string, folded, de-duplicated, at most MAX_QUERY_WORDS."""
    return all_query_words(raw)[:MAX_QUERY_WORDS]


def all_query_words(raw: str, symbol_terms: dict[str, int] | None = None) -> list[str]:
    """The words of a search string, folded, de-duplicated, however many there are.

    A word typed as a term's whole name that folding would reduce to a letter ("C++",
    "C#", "F#": `symbol_terms()`) is that term's lexeme instead (`term_word()`): folded,
    "c" would find everyone with a word starting with c."""
    raw = raw[:MAX_QUERY_CHARS]
    if not symbol_terms:
        return list(dict.fromkeys(fold(raw).split()))
    words = []
    for token in raw.split():
        term = symbol_terms.get(token.casefold())
        words.extend([f"{TERM}{term}"] if term is not None else fold(token).split())
    return list(dict.fromkeys(words))


def symbol_terms(terms: Iterable[Term]) -> dict[str, int]:
    """{name typed, case-folded: term id} for the terms' one-word names and synonyms that
    folding reduces to a single character ("c++", "c#", "f#"), for `all_query_words()`."""
    found = {}
    for term in terms:
        for name in _term_words(term):
            typed = (name or "").strip().casefold()
            if typed and " " not in typed and len(fold(typed)) <= 1 and fold(typed) != typed:
                found.setdefault(typed, term.pk)
    return found


def term_word(word: str) -> int | None:
    """The term id a query word stands for (`all_query_words()`), or None for a typed word
    (`fold()` keeps letters and digits only: no typed word starts with "_")."""
    if word.startswith(TERM) and word[len(TERM) :].isdigit():
        return int(word[len(TERM) :])
    return None


def singular(word: str) -> str:
    """The singular a folded search word may be the plural of ("developers" → "developer"),
    or "" (a short word, or no plural "s")."""
    if len(word) >= PLURAL_CHARS and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return ""


def _term_words(term: Term) -> list[str]:
    return [term.name_en, term.name_fr, term.name_nl, *term.synonym_list]


def _term_card(term: Term) -> dict:
    return {"s": term.slug, "en": term.name_en, "fr": term.name_fr, "nl": term.name_nl}


def _profile_terms(profile: Profile) -> list[Term]:
    """Its skills, offers and seeks, each term once (prefetched)."""
    seen: dict[int, Term] = {}
    for term in [*profile.skills.all(), *profile.offers.all(), *profile.seeks.all()]:
        seen.setdefault(term.pk, term)
    return list(seen.values())


def profile_document(profile: Profile) -> tuple[str, str, str]:
    """(A, B, C) weighted parts of its own words: name; headline, job and company; the rest.

    `profile` must have `company` loaded. Its terms are not in here (see `lexemes()`).
    """
    a = fold(profile.display_name)
    b_parts = [profile.headline, profile.job_title]
    if profile.company_id and profile.company:
        b_parts.append(profile.company.name)
    b = fold(" ".join(b_parts))
    c = fold(
        " ".join(
            [profile.offers_text, profile.seeks_text, profile.bio, profile.city, profile.region]
        )
    )
    return a, b, c


def _variants(text: str) -> list[str]:
    words = fold(text).split()
    head = words[:VARIANT_WORDS]
    out = [
        "".join(head[i:j])
        for i in range(len(head))
        for j in range(i + 2, min(len(head), i + VARIANT_RUN) + 1)
    ]
    spelt = unicodedata.normalize("NFC", text or "").translate(LATIN_SPELT_OTHERWISE)
    if spelt != unicodedata.normalize("NFC", text or ""):
        out += _variants(spelt) + fold(spelt).split()
    return [w for w in out if w not in words]


def profile_variants(profile: Profile) -> str:
    """Other ways to type its name and its company's: their words run together ("Van der
    Berg" as "vanderberg", "Jean-Luc" "jeanluc", "O'Brien" "obrien", "l'Atelier"
    "latelier") and spelt as a keyboard without umlauts does ("Müller" as "mueller"):
    found by a search (weight D on PostgreSQL, the end of the document on SQLite), never a
    name match. `profile` must have `company` loaded."""
    texts = [profile.display_name]
    if profile.company_id and profile.company:
        texts.append(profile.company.name)
    return " ".join(dict.fromkeys(w for text in texts for w in _variants(text)))


# --- lexemes no typed word can produce ------------------------------------------------------
# `fold()` keeps letters and digits only, so a search word never starts with "_": these
# lexemes are reached only through `words_tsquery()` (terms) and `facets_tsquery()`.

TERM = "_t"
FACET_SKILL = "_s"
FACET_OFFER = "_o"
FACET_SEEK = "_k"
FACET_SPACE = "_sp"
FACET_PLAN = "_p"
FACET_LANGUAGE = "_l"
FACET_PLACE = "_c"


def _literal(lexeme: str, weight: str = "") -> str:
    """A tsvector/tsquery literal: quoted, with a position and weight when given."""
    # Lexemes are built from ids, choice codes and folded words (letters, digits, spaces):
    # no quote nor backslash to escape.
    return f"'{lexeme}'" + (f":1{weight}" if weight else "")


def lexemes(profile: Profile, memberships: Iterable[tuple[int, str]]) -> str:
    """The profile's term and facet lexemes, as a tsvector literal.

    Terms (`_t<id>`, weight B: they rank like the headline), skills, offers and seeks by
    term, the spaces (home space and active memberships), active plans, languages and the
    city and region. `memberships` are its active (space id, plan) pairs.
    """
    out = [_literal(f"{TERM}{t.pk}", "B") for t in _profile_terms(profile)]
    for prefix, field in ((FACET_SKILL, "skills"), (FACET_OFFER, "offers"), (FACET_SEEK, "seeks")):
        out.extend(_literal(f"{prefix}{t.pk}") for t in getattr(profile, field).all())
    if profile.home_space_id:
        out.append(_literal(f"{FACET_SPACE}{profile.home_space_id}"))
    for space_id, plan in memberships:
        out.append(_literal(f"{FACET_SPACE}{space_id}"))
        out.append(_literal(f"{FACET_PLAN}{fold(plan)}"))
    for code in profile.languages or []:
        if isinstance(code, str) and fold(code):
            out.append(_literal(f"{FACET_LANGUAGE}{fold(code)}"))
    for place in (profile.city, profile.region):
        if fold(place):
            out.append(_literal(f"{FACET_PLACE}{fold(place)}"))
    return " ".join(out)


def term_words(terms: Iterable[Term]) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """Each term's folded words (every name and synonym), for `words_tsquery()`."""
    return tuple((t.pk, tuple(sorted(set(fold(" ".join(_term_words(t))).split())))) for t in terms)


def words_tsquery(words: list[str], index: Iterable[tuple[int, tuple[str, ...]]]) -> str:
    """A tsquery matching every word, as a prefix of the profile's own words or of a name
    or synonym of one of its terms ("vertal" → `'vertal':* | '_t1'`, term 1 being
    translation)."""
    index = tuple(index)
    parts = []
    for word in words:
        if term_word(word) is not None:  # "C++": the term itself, nothing else
            parts.append(_literal(word))
            continue
        one = singular(word)  # "translations": the word "translation", the term named so
        # The profile's own words (weights A to C) by their start; its other spellings (D)
        # whole, or by their start for a long word (VARIANT_PREFIX_CHARS).
        other = f"'{word}':*D" if len(word) >= VARIANT_PREFIX_CHARS else f"'{word}':D"
        alternatives = [f"'{word}':*ABC", other, *([_literal(one)] if one else [])]
        alternatives += [
            _literal(f"{TERM}{pk}")
            for pk, names in index
            if any(n.startswith(word) or n == one for n in names)
        ]
        parts.append("(" + " | ".join(alternatives) + ")")
    return " & ".join(parts)


def facets_tsquery(facets: Iterable[tuple[str, object]]) -> str:
    """A tsquery requiring every (prefix, value) facet, e.g. (FACET_SKILL, 3)."""
    return " & ".join(_literal(f"{prefix}{value}") for prefix, value in facets)


def profile_card(profile: Profile) -> dict:
    skills = list(profile.skills.all())
    offers = list(profile.offers.all())
    return {
        "skills": [_term_card(t) for t in skills[:CARD_SKILLS]],
        "more_skills": max(0, len(skills) - CARD_SKILLS),
        "offers": [_term_card(t) for t in offers[:CARD_OFFERS]],
        "more_offers": max(0, len(offers) - CARD_OFFERS),
    }


# --- querying --------------------------------------------------------------------------------


def search_filter(qs: QuerySet[Profile], words: list[str]) -> QuerySet[Profile]:
    """Profiles whose folded document has a word starting with each word: the search on
    SQLite, the same prefix match as PostgreSQL's ("ian" finds Ian, not Christian).

    On PostgreSQL the directory searches `ProfileSearch` instead
    (`members.selectors.directory_search_page()`); this stays valid there too.
    """
    cond = Q()
    for word in words:
        term = term_word(word)
        if term is not None:  # "C++": the profiles that have the term
            with_term = Profile.objects.filter(Q(skills=term) | Q(offers=term) | Q(seeks=term))
            cond &= Q(pk__in=with_term.values("pk"))
            continue
        either = Q(search_document__startswith=word) | Q(search_document__contains=f" {word}")
        other = f" {VARIANT_MARK}{word}"  # another spelling of the name (`profile_variants`)
        if len(word) >= VARIANT_PREFIX_CHARS:
            either |= Q(search_document__contains=other)
        else:
            either |= Q(search_document__contains=f"{other} ") | Q(search_document__endswith=other)
        one = singular(word)  # its singular, as a whole word ("translations": "translation")
        if one:
            either |= (
                Q(search_document=one)
                | Q(search_document__startswith=f"{one} ")
                | Q(search_document__contains=f" {one} ")
                | Q(search_document__endswith=f" {one}")
            )
        cond &= either
    return qs.filter(cond)
