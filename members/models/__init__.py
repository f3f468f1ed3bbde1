"""members' models, by concern: accounts (who logs in), spaces (where people work and the
chapters those spaces host), profiles (who they are, their companies, the shared vocabulary)
and search (the directory's search rows and the counts kept beside them). The outbox row
lives in betacowork.messaging."""

from .accounts import SPOKEN_LANGUAGES, Language, User, UserManager
from .profiles import (
    Card,
    CardCompany,
    Company,
    Profile,
    ProfileQuerySet,
    ProfileSlug,
    Term,
    TermQuerySet,
    Visibility,
    avatar_version_of,
    initials_of,
)
from .search import FacetCount, ProfileCount, ProfileSearch, SearchChange
from .spaces import Chapter, ChapterQuerySet, Membership, Space

__all__ = [
    "SPOKEN_LANGUAGES",
    "Card",
    "CardCompany",
    "Chapter",
    "ChapterQuerySet",
    "Company",
    "FacetCount",
    "Language",
    "Membership",
    "Profile",
    "ProfileCount",
    "ProfileQuerySet",
    "ProfileSearch",
    "ProfileSlug",
    "SearchChange",
    "Space",
    "Term",
    "TermQuerySet",
    "User",
    "UserManager",
    "Visibility",
    "avatar_version_of",
    "initials_of",
]
