"""What the console's pages share: who may open the console, and the answer to a form sent
again whose first sending's creation was deleted since."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy


class ConsoleAccessMixin(PermissionRequiredMixin):
    """Anonymous → the login page; a member who organises no chapter → 403."""

    permission_required = "members.use_organiser_console"
    permission_denied_message = _lazy("The organiser console is for chapter organisers and staff.")


def _made_then_deleted(request):
    """A form sent again whose first sending's event (or series) was deleted since."""
    messages.info(
        request,
        _(
            "This form was already sent, and what it created has been deleted since: "
            "nothing is created again. Open a new form to start over."
        ),
    )
    return redirect("organise:index")
