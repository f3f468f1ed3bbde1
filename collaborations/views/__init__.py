"""Collaborations' views: the ledger (lists, a collaboration, its forms and answers) and the
reports (the dashboard, the staff's CSV export)."""

from .ledger import (
    CollaborationCreateView,
    CollaborationDetailView,
    CollaborationListView,
    CollaborationUpdateView,
    CollaborationVerifyView,
    MemberAutocompleteView,
    MyCollaborationsView,
    ParticipantConfirmView,
    ParticipantDeclineView,
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
    "DashboardView",
    "MemberAutocompleteView",
    "MyCollaborationsView",
    "ParticipantConfirmView",
    "ParticipantDeclineView",
    "StaffRequiredMixin",
]
