"""Events: list, month, detail, registration, my events, check-in and calendar feeds."""

from django.urls import include, path

from . import views

app_name = "events"

urlpatterns = [
    path("", views.EventListView.as_view(), name="list"),
    path("month/", views.EventMonthView.as_view(), name="month_current"),
    path("month/<int:year>/<int:month>/", views.EventMonthView.as_view(), name="month"),
    path("mine/", views.MyEventsView.as_view(), name="mine"),
    path("feed.ics", views.PublicFeedView.as_view(), name="feed"),
    path("calendar/<str:token>.ics", views.PersonalFeedView.as_view(), name="personal_feed"),
    path("calendar/create/", views.CalendarTokenCreateView.as_view(), name="calendar_create"),
    path(
        "calendar/regenerate/",
        views.CalendarTokenRegenerateView.as_view(),
        name="calendar_regenerate",
    ),
    path("guest-cancel/<str:token>/", views.GuestCancelView.as_view(), name="guest_cancel"),
    path("guest-confirm/<str:token>/", views.GuestConfirmView.as_view(), name="guest_confirm"),
    path("<slug:slug>/", views.EventDetailView.as_view(), name="detail"),
    path("<slug:slug>/register/", views.EventRegisterView.as_view(), name="register"),
    path("<slug:slug>/cancel/", views.EventCancelRegistrationView.as_view(), name="cancel"),
    path("<slug:slug>/event.ics", views.EventIcsView.as_view(), name="ics"),
    path("<slug:slug>/check-in/", views.CheckInView.as_view(), name="check_in"),
    path(
        "<slug:slug>/check-in/<int:pk>/",
        views.CheckInToggleView.as_view(),
        name="check_in_toggle",
    ),
    # Speed networking: /events/<slug>/networking/…, /events/<slug>/rounds.json, who I met.
    path("", include("events.speed_networking.urls")),
]
