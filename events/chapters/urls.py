"""Chapter pages: the list, one chapter, follow/unfollow, its diaspora."""

from django.urls import path

from . import views

app_name = "chapters"

urlpatterns = [
    path("", views.ChapterListView.as_view(), name="list"),
    path("<slug:slug>/", views.ChapterDetailView.as_view(), name="detail"),
    path("<slug:slug>/follow/", views.ChapterFollowView.as_view(), name="follow"),
    path("<slug:slug>/unfollow/", views.ChapterUnfollowView.as_view(), name="unfollow"),
    path(
        "<slug:slug>/invite-region/",
        views.ChapterInviteDiasporaView.as_view(),
        name="invite_diaspora",
    ),
]
