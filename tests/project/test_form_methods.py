"""Every page with a form answers GET and POST, never PUT: Django's form views
(ProcessFormView) take a PUT as a POST, whose body is never read as a form — an empty form
sent (on the email preferences: every optional email turned off)."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.views.generic.edit import ProcessFormView

pytestmark = pytest.mark.django_db


def _form_pages(patterns=None, namespace=""):
    """(url name, view class) of every page of the site whose view is a Django form view."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _form_pages(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            view_class = getattr(pattern.callback, "view_class", None)
            if view_class is not None and issubclass(view_class, ProcessFormView):
                params = [*pattern.pattern.regex.groupindex]
                yield f"{namespace}{pattern.name}", params, view_class


def test_every_form_page_refuses_a_put(member_client):
    pages = list(_form_pages())
    names = {name for name, _params, _view in pages}
    # Ours and allauth's: the walk finds them (it would pass, finding none).
    assert {"notifications:preferences", "members:profile_edit", "account_login"} <= names, names
    for name, params, view_class in pages:
        url = reverse(name, kwargs=dict.fromkeys(params, "1"))
        response = member_client.put(url, data="kinds=", content_type="text/plain")
        assert response.status_code == 405, f"{url} ({view_class.__name__}) took a PUT"
        assert "PUT" not in response["Allow"], url
