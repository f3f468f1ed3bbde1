"""Events, series, registrations, reminders and speed networking."""

from django.urls import path
from django.views.generic import TemplateView

app_name = "events"

urlpatterns = [
    path("", TemplateView.as_view(template_name="events/event_list.html"), name="list"),
    # Placeholder until the event page lands; the name is part of the contract.
    path(
        "<slug:slug>/", TemplateView.as_view(template_name="events/event_list.html"), name="detail"
    ),
]
