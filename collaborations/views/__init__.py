"""Collaborations' views: the ledger (lists, a collaboration: ledger.py; its forms: editing.py;
the answers to it: answers.py) and the reports (the dashboard, the staff's CSV export)."""

from .answers import (
    CollaborationVerifyView,
    MemberAutocompleteView,
    ParticipantConfirmView,
    ParticipantDeclineView,
)
from .editing import CollaborationCreateView, CollaborationUpdateView, CollaborationWithdrawView
from .ledger import (
    CollaborationDetailView,
    CollaborationListView,
    MyCollaborationsView,
    StaffRequiredMixin,
)
from .reports import CollaborationExportView, DashboardView

__all__ = [
    "CollaborationCreateView",
    "CollaborationDetailView",
    "CollaborationExportView",
    "CollaborationListView",
    "CollaborationUpdateView",
    "CollaborationVerifyView",
    "CollaborationWithdrawView",
    "DashboardView",
    "MemberAutocompleteView",
    "MyCollaborationsView",
    "ParticipantConfirmView",
    "ParticipantDeclineView",
    "StaffRequiredMixin",
]
