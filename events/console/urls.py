"""The organiser console (/organise/): chapter organisers and staff run their events here."""

from django.urls import path

from . import views

app_name = "organise"

urlpatterns = [
    path("", views.ConsoleIndexView.as_view(), name="index"),
    path("new/", views.EventCreateView.as_view(), name="new"),
    path("series/new/", views.SeriesCreateView.as_view(), name="series_new"),
    path("series/<int:pk>/edit/", views.SeriesEditView.as_view(), name="series_edit"),
    path("<slug:slug>/edit/", views.EventEditView.as_view(), name="edit"),
    path("<slug:slug>/publish/", views.EventPublishView.as_view(), name="publish"),
    path("<slug:slug>/cancel/", views.EventCancelView.as_view(), name="cancel"),
    path("<slug:slug>/duplicate/", views.EventDuplicateView.as_view(), name="duplicate"),
    path("<slug:slug>/registrations/", views.RegistrationsView.as_view(), name="registrations"),
    path(
        "<slug:slug>/registrations.csv",
        views.RegistrationsCsvView.as_view(),
        name="registrations_csv",
    ),
    path("<slug:slug>/message/", views.MessageView.as_view(), name="message"),
]
