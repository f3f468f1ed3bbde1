"""Chapter pages: the list, one chapter, follow/unfollow, its diaspora."""

from django.urls import path

app_name = "chapters"

urlpatterns: list = []
