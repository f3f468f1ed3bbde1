"""The directory's search document: what is searchable about a profile, and how to query it.

A GIN index cannot span joined tables, so what search needs is denormalised, and this package
builds those copies and refreshes them, set-based, whenever a profile, a company, a vocabulary
term or a membership changes (`members.signals` calls it; bulk writers call it directly or
batch it with `search_refresh_batch()`):

- on PostgreSQL, the narrow `ProfileSearch` row: a weighted `tsvector` (GIN-indexed, prefix
  matching so results update as you type) of the profile's own words, plus lexemes for its
  terms and facets (`lexemes()`): a term's names and synonyms in three languages live once,
  on the term, and a search word is expanded to the terms it names (`words_tsquery()`);
- on SQLite, `Profile.search_document`: plain folded text, term names included, matched with
  LIKE;
- on both, `Profile.card`: the little JSON the directory cards show.

`text.py` folds words and builds the document, lexemes and tsqueries; `refresh.py` writes
them to the rows, now or at the end of a `search_refresh_batch()`.
"""

from .refresh import (
    REFRESH_CHUNK,
    profile_search_refresh,
    profile_search_refresh_later,
    profiles_of_terms,
    search_refresh_batch,
)
from .text import (
    CARD_OFFERS,
    CARD_SKILLS,
    FACET_LANGUAGE,
    FACET_OFFER,
    FACET_PLACE,
    FACET_PLAN,
    FACET_SEEK,
    FACET_SKILL,
    FACET_SPACE,
    FOLDED_LONGER,
    LATIN_SPELT,
    MAX_QUERY_CHARS,
    MAX_QUERY_WORDS,
    TERM,
    all_query_words,
    facets_tsquery,
    fold,
    lexemes,
    profile_card,
    profile_document,
    profile_variants,
    query_words,
    search_filter,
    singular,
    symbol_terms,
    term_word,
    term_words,
    words_tsquery,
)

__all__ = [
    "CARD_OFFERS",
    "CARD_SKILLS",
    "FACET_LANGUAGE",
    "FACET_OFFER",
    "FACET_PLACE",
    "FACET_PLAN",
    "FACET_SEEK",
    "FACET_SKILL",
    "FACET_SPACE",
    "FOLDED_LONGER",
    "LATIN_SPELT",
    "MAX_QUERY_CHARS",
    "MAX_QUERY_WORDS",
    "REFRESH_CHUNK",
    "TERM",
    "all_query_words",
    "facets_tsquery",
    "fold",
    "lexemes",
    "profile_card",
    "profile_document",
    "profile_search_refresh",
    "profile_search_refresh_later",
    "profile_variants",
    "profiles_of_terms",
    "query_words",
    "search_filter",
    "search_refresh_batch",
    "singular",
    "symbol_terms",
    "term_word",
    "term_words",
    "words_tsquery",
]
