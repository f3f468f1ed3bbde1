"""The console's front page (/organise/): my chapters' events and series."""

from __future__ import annotations

from django.utils import timezone
from django.views.generic import TemplateView

from betacowork.submissions.services import nonce_new

from ...recurrence import rrule_describe
from .. import selectors
from .common import ConsoleAccessMixin


class ConsoleIndexView(ConsoleAccessMixin, TemplateView):
    """My chapters' events, upcoming first, with their seats, waitlist and check-ins."""

    template_name = "console/index.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        now = timezone.now()
        upcoming, past = selectors.console_events(user=self.request.user, now=now)
        for event in (*upcoming, *past):
            # Each "Duplicate" button makes one copy, however often it is sent.
            event.duplicate_nonce = nonce_new()
            # Under way or past: no "Cancel" (its page could only say it is too late).
            event.started = event.has_started(now)
        series = list(selectors.console_series(user=self.request.user))
        for one in series:
            one.repeats = rrule_describe(one.rrule)
        ctx.update(upcoming=upcoming, past=past, series=series)
        return ctx
