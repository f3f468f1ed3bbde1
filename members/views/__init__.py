"""Pages of the members app, by concern: directory.py (the directory and the autocompletes),
profiles.py (profiles, companies, spaces, people to meet), account.py (my data, deleting my
account). Access is declared on each class; which rows a person may reach is decided in the
queryset (`visible_to`), never in a template."""

from .account import AccountDeleteView, MyDataDownloadView, MyDataView
from .directory import (
    CompanyAutocompleteView,
    DirectoryView,
    PeopleAutocompleteView,
    TermAutocompleteView,
    _profile_page_fetch,
    paginate,
)
from .profiles import (
    AvatarView,
    CompanyDetailView,
    MyProfileEditView,
    ProfileDetailView,
    ProfileEditView,
    SpaceDetailView,
    SuggestionsView,
)

__all__ = [
    "AccountDeleteView",
    "AvatarView",
    "CompanyAutocompleteView",
    "CompanyDetailView",
    "DirectoryView",
    "MyDataDownloadView",
    "MyDataView",
    "MyProfileEditView",
    "PeopleAutocompleteView",
    "ProfileDetailView",
    "ProfileEditView",
    "SpaceDetailView",
    "SuggestionsView",
    "TermAutocompleteView",
    "_profile_page_fetch",
    "paginate",
]
