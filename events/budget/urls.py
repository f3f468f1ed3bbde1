"""Budget reports: per chapter per year, and the staff overview of every chapter.

`budget:event_costs` (kwarg `slug`) is the page the organiser console links to for an
event's cost lines. Years are digits only (anything else is a 404 from the converter) and
2000..2100 (the views answer 404 outside).
"""

from django.urls import path

from . import views

app_name = "budget"

urlpatterns = [
    path("", views.BudgetIndexView.as_view(), name="index"),
    path("events/<slug:slug>/costs/", views.EventCostsView.as_view(), name="event_costs"),
    path(
        "events/<slug:slug>/costs/<int:pk>/",
        views.EventCostUpdateView.as_view(),
        name="event_cost_edit",
    ),
    path(
        "events/<slug:slug>/costs/<int:pk>/delete/",
        views.EventCostDeleteView.as_view(),
        name="event_cost_delete",
    ),
    path("<int:year>/", views.BudgetOverviewView.as_view(), name="overview"),
    path("<int:year>.csv", views.BudgetOverviewCsvView.as_view(), name="overview_csv"),
    path("<slug:chapter>/<int:year>/", views.ChapterReportView.as_view(), name="chapter_report"),
    path(
        "<slug:chapter>/<int:year>.csv",
        views.ChapterReportCsvView.as_view(),
        name="chapter_report_csv",
    ),
]
