"""The collaboration ledger and the micro-economy dashboard."""

from django.urls import path

from . import views

app_name = "collaborations"

urlpatterns = [
    path("", views.CollaborationListView.as_view(), name="list"),
    path("mine/", views.MyCollaborationsView.as_view(), name="mine"),
    path("new/", views.CollaborationCreateView.as_view(), name="create"),
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("export.csv", views.CollaborationExportView.as_view(), name="export"),
    path("members.json", views.MemberAutocompleteView.as_view(), name="member_autocomplete"),
    path("<int:pk>/", views.CollaborationDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.CollaborationUpdateView.as_view(), name="update"),
    path("<int:pk>/verify/", views.CollaborationVerifyView.as_view(), name="verify"),
    path("<int:pk>/withdraw/", views.CollaborationWithdrawView.as_view(), name="withdraw"),
    path(
        "participations/<int:pk>/confirm/",
        views.ParticipantConfirmView.as_view(),
        name="confirm",
    ),
    path(
        "participations/<int:pk>/decline/",
        views.ParticipantDeclineView.as_view(),
        name="decline",
    ),
]
