"""Writes of the members app, one module per concern.

`from members.services import X` names every public service; patch a function where it is
defined (`members.services.companies._company_find`), the module that calls it looks it up
there."""

from .accounts import account_delete, address_claims_drop_unconfirmed, user_language_set
from .companies import company_forget_if_unused, company_resolve
from .profiles import (
    PROFILE_FIELDS,
    profile_create_for_user,
    profile_follow_account,
    profile_hide_until_first_login,
    profile_slug_follow_name,
    profile_unhide_on_first_login,
    profile_update,
)
from .slugs import unique_slug
from .vocabulary import (
    MAX_NEW_TERMS_PER_EDIT,
    MAX_TAG_CHARS,
    MAX_TAGS,
    new_labels,
    proposals_forget_unused,
    tags_parse,
    tags_validate,
    term_approve,
    term_merge,
    terms_resolve,
    vocabulary_for_proposals,
    vocabulary_index,
    vocabulary_key,
)

__all__ = [
    "MAX_NEW_TERMS_PER_EDIT",
    "MAX_TAGS",
    "MAX_TAG_CHARS",
    "PROFILE_FIELDS",
    "account_delete",
    "address_claims_drop_unconfirmed",
    "company_forget_if_unused",
    "company_resolve",
    "new_labels",
    "profile_create_for_user",
    "profile_follow_account",
    "profile_hide_until_first_login",
    "profile_slug_follow_name",
    "profile_unhide_on_first_login",
    "profile_update",
    "proposals_forget_unused",
    "tags_parse",
    "tags_validate",
    "term_approve",
    "term_merge",
    "terms_resolve",
    "unique_slug",
    "user_language_set",
    "vocabulary_for_proposals",
    "vocabulary_index",
    "vocabulary_key",
]
