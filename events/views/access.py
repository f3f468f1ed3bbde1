"""Who may run an event, for every organiser page (the console, budget, speed networking)."""

from __future__ import annotations

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from ..models import Event


class EventPermissionMixin(AccessMixin):
    """Loads `self.event` by slug and asks `permission_required` of it (events/rules.py).

    Anonymous → the login page; a member without the right → 403, or 404 when they may not
    even see the event (a 403 would confirm that an unpublished event exists there).
    """

    permission_required = "events.change_event"
    permission_denied_message = _lazy("Only staff and the chapter's organisers can do this.")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.event = get_object_or_404(
            Event.objects.select_related("kind", "space", "chapter"), slug=kwargs["slug"]
        )
        if not request.user.has_perm(self.permission_required, self.event):
            if not request.user.has_perm("events.view_event", self.event):
                raise Http404(_("No event found at this address."))
            raise PermissionDenied(self.get_permission_denied_message())
        return super().dispatch(request, *args, **kwargs)


class CheckInAccessMixin(EventPermissionMixin):
    permission_required = "events.check_in"
    permission_denied_message = _lazy(
        "Only staff and the chapter's organisers can check people in."
    )
