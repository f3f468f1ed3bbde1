from django.urls import path

from . import contacts, views

app_name = "members"

urlpatterns = [
    path("directory/", views.DirectoryView.as_view(), name="directory"),
    path("directory/contacts.vcf", contacts.DirectoryVCardView.as_view(), name="directory_vcf"),
    path("directory/terms.json", views.TermAutocompleteView.as_view(), name="terms_json"),
    path("directory/people.json", views.PeopleAutocompleteView.as_view(), name="people_json"),
    path(
        "directory/companies.json", views.CompanyAutocompleteView.as_view(), name="companies_json"
    ),
    path("members/<slug:slug>/", views.ProfileDetailView.as_view(), name="profile"),
    path("members/<slug:slug>/edit/", views.ProfileEditView.as_view(), name="profile_edit"),
    path("members/<slug:slug>/contact.vcf", contacts.ProfileVCardView.as_view(), name="vcard"),
    path("members/<slug:slug>/avatar/", views.AvatarView.as_view(), name="avatar"),
    path(
        "members/<slug:slug>/avatar/thumb/",
        views.AvatarView.as_view(),
        {"size": "thumb"},
        name="avatar_thumb",
    ),
    path("companies/<slug:slug>/", views.CompanyDetailView.as_view(), name="company"),
    path("spaces/<slug:slug>/", views.SpaceDetailView.as_view(), name="space"),
    path("suggestions/", views.SuggestionsView.as_view(), name="suggestions"),
    path("me/edit/", views.MyProfileEditView.as_view(), name="my_profile_edit"),
    path("me/data/", views.MyDataView.as_view(), name="my_data"),
    path("me/data/download/", views.MyDataDownloadView.as_view(), name="my_data_download"),
    path("me/delete/", views.AccountDeleteView.as_view(), name="account_delete"),
]
