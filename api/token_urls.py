"""The member's API tokens page (/me/api-tokens/): HTML, part of the account settings."""

from django.urls import path

from .views import tokens

app_name = "api_tokens"

urlpatterns = [
    path("", tokens.TokenListView.as_view(), name="list"),
    path("<int:pk>/revoke/", tokens.TokenRevokeView.as_view(), name="revoke"),
]
