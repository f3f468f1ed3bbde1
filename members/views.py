from django.http import Http404
from django.views.generic import DetailView, ListView

from .models import Profile
from .selectors import profile_list


class DirectoryView(ListView):
    template_name = "members/profile_list.html"
    context_object_name = "profiles"
    paginate_by = 24

    def get_queryset(self):
        return profile_list(user=self.request.user)


class ProfileDetailView(DetailView):
    template_name = "members/profile_detail.html"
    context_object_name = "profile"

    def get_queryset(self):
        return Profile.objects.visible_to(self.request.user).select_related("company", "user")

    def get_object(self, queryset=None):
        try:
            return super().get_object(queryset)
        except Http404:
            raise Http404("No such member.") from None
