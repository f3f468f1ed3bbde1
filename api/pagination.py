"""Cursor pagination with stable ordering, and cursors that belong to one query.

A cursor is opaque to callers: a signed token holding where the next page starts — the
ordering values of the last row served (a keyset: the next page is read from an index, and
rows added meanwhile are neither skipped nor repeated) or, for the directory, whose order
comes from its search statement, the offset of the next page — and a fingerprint of the
query it was issued for (the path and every parameter but `cursor`). An empty `cursor=` is
the first page, as every other empty parameter means "not given". A cursor used with another
query, a forged or truncated one, a malformed `page_size` or one above the maximum are 400s
with a JSON body, never a 500.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from datetime import date, datetime
from urllib.parse import urlencode

from django.core import signing
from django.db.models import Q
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
SALT = "api.cursor"


def query_fingerprint(request) -> str:
    """The path and every query parameter but `cursor`, order-independent."""
    pairs = sorted((k, v) for k, vs in request.query_params.lists() for v in vs if k != "cursor")
    raw = request.path + "?" + urlencode(pairs)
    return hashlib.blake2b(raw.encode(), digest_size=12).hexdigest()


def page_size_of(request) -> int:
    raw = request.query_params.get("page_size")
    if raw in (None, ""):
        return DEFAULT_PAGE_SIZE
    size = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else None
    if size is None or not 1 <= size <= MAX_PAGE_SIZE:
        raise ValidationError(
            {
                "page_size": [
                    _("The page size must be a whole number between 1 and %(max)d.")
                    % {"max": MAX_PAGE_SIZE}
                ]
            }
        )
    return size


def cursor_read(request) -> dict | None:
    """The position a cursor holds, or None without one; a 400 for any other cursor.

    An empty `cursor=` is no cursor (the first page), like every other empty parameter: a
    client filling a URL template with no cursor yet asks for the first page."""
    raw = request.query_params.get("cursor")
    if not raw:
        return None
    try:
        data = signing.loads(raw[:1000], salt=SALT)
    except signing.BadSignature:
        raise ValidationError({"cursor": [_("This cursor is not valid.")]}) from None
    if not isinstance(data, dict) or data.get("q") != query_fingerprint(request):
        raise ValidationError(
            {"cursor": [_("This cursor belongs to another query: start again without it.")]}
        )
    return data


def cursor_make(request, **position) -> str:
    return signing.dumps({"q": query_fingerprint(request), **position}, salt=SALT)


def next_link(request, cursor: str) -> str:
    params = [(k, v) for k, vs in request.query_params.lists() for v in vs if k != "cursor"]
    params.append(("cursor", cursor))
    return request.build_absolute_uri(request.path + "?" + urlencode(params))


def _encode(value):
    return value.isoformat() if isinstance(value, date | datetime) else value


def _decode(value, sample_field):
    if sample_field.get_internal_type() == "DateTimeField":
        return parse_datetime(value)
    if sample_field.get_internal_type() == "DateField":
        return parse_date(value)
    return value


class KeysetPagination(BasePagination):
    """Pages of a queryset ordered by `view.ordering` (unique: it ends with the primary key),
    read from after the last row of the previous page."""

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.ordering = tuple(view.ordering)
        size = page_size_of(request)
        position = cursor_read(request)
        if position is not None:
            queryset = queryset.filter(self._after(queryset.model, position.get("k")))
        rows = list(queryset.order_by(*self.ordering)[: size + 1])
        self.next_cursor = None
        if len(rows) > size:
            rows = rows[:size]
            last = rows[-1]
            keys = [_encode(getattr(last, name)) for name in self._names()]
            self.next_cursor = cursor_make(request, k=keys)
        return rows

    def _names(self) -> list[str]:
        return [name.lstrip("-") for name in self.ordering]

    def _after(self, model, keys) -> Q:
        names = self._names()
        if not isinstance(keys, list) or len(keys) != len(names):
            raise ValidationError({"cursor": [_("This cursor is not valid.")]})
        values = []
        for name, raw in zip(names, keys, strict=True):
            field = model._meta.get_field("id" if name == "pk" else name)
            value = _decode(raw, field) if raw is not None else None
            if value is None:
                raise ValidationError({"cursor": [_("This cursor is not valid.")]})
            values.append(value)
        # (a > x) OR (a = x AND b > y) OR …: the rows after the last one served.
        condition = Q(pk__in=[])
        for i, name in enumerate(self.ordering):
            op = "lt" if name.startswith("-") else "gt"
            step = Q(**{f"{names[j]}": values[j] for j in range(i)})
            condition |= step & Q(**{f"{names[i]}__{op}": values[i]})
        return condition

    def get_paginated_response(self, data):
        return Response(OrderedDict(next=self._next(), results=data))

    def _next(self) -> str | None:
        return next_link(self.request, self.next_cursor) if self.next_cursor else None

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The next page, or null on the last one.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "cursor",
                "required": False,
                "in": "query",
                "description": "From the `next` link of the previous page; valid only for "
                "the same query.",
                "schema": {"type": "string"},
            },
            {
                "name": "page_size",
                "required": False,
                "in": "query",
                "description": f"Items per page (default {DEFAULT_PAGE_SIZE}, "
                f"at most {MAX_PAGE_SIZE}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
        ]
