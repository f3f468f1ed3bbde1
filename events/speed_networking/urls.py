"""Speed-networking pages (namespace "events:networking"), mounted under /events/.

Every pattern names its own `<slug>` (no captured prefix), so the crawler and reverse() see it.
"""

from django.urls import path

from . import views

app_name = "networking"

EVENING = "<slug:slug>/networking/"

urlpatterns = [
    path("networking/met/", views.WhoIMetView.as_view(), name="met"),
    path("<slug:slug>/rounds.json", views.RoundsJsonView.as_view(), name="rounds_json"),
    path(EVENING, views.RunView.as_view(), name="run"),
    path(f"{EVENING}plan/", views.PlanView.as_view(), name="plan"),
    path(f"{EVENING}next/", views.RoundStartView.as_view(), name="next"),
    path(f"{EVENING}finish/", views.FinishView.as_view(), name="finish"),
    path(f"{EVENING}arrive/", views.ArriveView.as_view(), name="arrive"),
    path(f"{EVENING}leave/", views.LeaveView.as_view(), name="leave"),
    path(f"{EVENING}projector/", views.ProjectorView.as_view(), name="projector"),
    path(f"{EVENING}projector.json", views.ProjectorStateView.as_view(), name="projector_state"),
    path(f"{EVENING}print/", views.PrintView.as_view(), name="print"),
    path(f"{EVENING}plan.csv", views.PlanCsvView.as_view(), name="csv"),
    path(f"{EVENING}me/", views.MyRoundView.as_view(), name="me"),
    path(f"{EVENING}me.json", views.MyRoundStateView.as_view(), name="me_state"),
    path(f"{EVENING}requests/", views.RequestsView.as_view(), name="requests"),
]
