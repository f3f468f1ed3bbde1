from django.urls import path
from django.views.generic import TemplateView

app_name = "collaborations"

urlpatterns = [
    path(
        "",
        TemplateView.as_view(template_name="collaborations/collaboration_list.html"),
        name="list",
    ),
]
