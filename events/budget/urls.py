"""Budget reports: per chapter per year, and the staff overview of every chapter."""

from django.urls import path

app_name = "budget"

urlpatterns: list = []
