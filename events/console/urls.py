"""The organiser console (/organise/): chapter organisers and staff run their events here."""

from django.urls import path

app_name = "organise"

urlpatterns: list = []
