from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("directory/", views.DirectoryView.as_view(), name="directory"),
    path("members/<slug:slug>/", views.ProfileDetailView.as_view(), name="profile"),
]
