"""Email preferences and the signed one-click unsubscribe link."""

from django.urls import path

from . import notifications

app_name = "notifications"

urlpatterns = [
    path("", notifications.PreferencesView.as_view(), name="preferences"),
    path("unsubscribe/<str:token>/", notifications.unsubscribe, name="unsubscribe"),
]
