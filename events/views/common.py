"""What the event pages share: an .ics response, a service error as messages, and what a
series' change did."""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..services import SeriesFollowed

TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _ics_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _validation_messages(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def series_followed_messages(request, followed: SeriesFollowed, *, created: bool = False) -> None:
    """Tell the organiser what a series' change did to its upcoming occurrences (the
    console's series form, which counts the occurrences created itself, and the admin's,
    which asks for them: `created`)."""
    if followed.changed:
        messages.info(
            request,
            ngettext(
                "%(n)s upcoming occurrence follows the change.",
                "%(n)s upcoming occurrences follow the change.",
                len(followed.changed),
            )
            % {"n": len(followed.changed)},
        )
    if followed.moved:
        messages.info(
            request,
            ngettext(
                "The registrants of %(n)s moved occurrence are told its new time or place.",
                "The registrants of %(n)s moved occurrences are told their new time or place.",
                followed.moved,
            )
            % {"n": followed.moved},
        )
    if created and followed.created:
        messages.info(
            request,
            ngettext(
                "%(n)s occurrence is added on the new rule's dates: %(dates)s.",
                "%(n)s occurrences are added on the new rule's dates: %(dates)s.",
                len(followed.created),
            )
            % {
                "n": len(followed.created),
                "dates": ", ".join(
                    date_format(event.series_date, "DATE_FORMAT") for event in followed.created
                ),
            },
        )
    if followed.removed:
        messages.info(
            request,
            ngettext(
                "%(n)s upcoming occurrence the series no longer has, with nobody registered, "
                "is removed: %(dates)s.",
                "%(n)s upcoming occurrences the series no longer has, with nobody registered, "
                "are removed: %(dates)s.",
                len(followed.removed),
            )
            % {
                "n": len(followed.removed),
                "dates": ", ".join(date_format(day, "DATE_FORMAT") for day in followed.removed),
            },
        )
    for event, reason in followed.kept:
        messages.warning(
            request,
            _("%(title)s, %(date)s: %(reason)s")
            % {
                "title": event.title,
                "date": date_format(timezone.localtime(event.start), "DATE_FORMAT"),
                "reason": reason,
            },
        )
    if followed.apart:
        messages.info(
            request,
            ngettext(
                "%(n)s upcoming occurrence edited on its own keeps its edits.",
                "%(n)s upcoming occurrences edited on their own keep their edits.",
                followed.apart,
            )
            % {"n": followed.apart},
        )
