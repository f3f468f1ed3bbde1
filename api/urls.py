"""/api/: version 1 of the read-only API, its schema and its docs."""

from django.urls import path, re_path

from .views import dashboard, directory, docs, events, members

app_name = "api"

urlpatterns = [
    path("v1/schema/", docs.SchemaView.as_view(), name="schema"),
    path("v1/docs/", docs.DocsView.as_view(), name="docs"),
    path("v1/events/", events.EventListView.as_view(), name="events"),
    path("v1/events/<slug:slug>/", events.EventDetailView.as_view(), name="event"),
    path("v1/series/", events.SeriesListView.as_view(), name="series"),
    path("v1/chapters/", members.ChapterListView.as_view(), name="chapters"),
    path("v1/spaces/", members.SpaceListView.as_view(), name="spaces"),
    path("v1/companies/", members.CompanyListView.as_view(), name="companies"),
    path("v1/directory/", directory.DirectoryView.as_view(), name="directory"),
    path("v1/directory/<slug:slug>/", directory.ProfileDetailView.as_view(), name="profile"),
    path("v1/dashboard/", dashboard.DashboardView.as_view(), name="dashboard"),
    re_path(r"^(?P<path>.*)$", docs.not_found, name="not_found"),
]
