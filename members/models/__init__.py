"""members' models, by concern: accounts (who logs in), spaces (where people work and the
chapters those spaces host), profiles (who they are, their companies, the shared vocabulary,
the directory's search rows). The outbox row lives in betacowork.messaging."""

from .accounts import SPOKEN_LANGUAGES, Language, User, UserManager
from .profiles import (
    Card,
    CardCompany,
    Company,
    FacetCount,
    Profile,
    ProfileCount,
    ProfileQuerySet,
    ProfileSearch,
    SearchChange,
    Term,
    TermQuerySet,
    Visibility,
    avatar_version_of,
    initials_of,
)
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
