"""A collaboration's value is shown as it was stored, in the site's money format: no cents
when it is whole, its cents when it has some (testers, round 3: 1500.50 read "€1,501")."""

from __future__ import annotations

from decimal import Decimal

import pytest

from .conftest import log

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "value", "shown"),
    [
        ("en", "1500.50", "€1,500.50"),
        ("fr", "1500.50", "1\u00a0500,50\u00a0€"),
        ("nl", "1500.50", "€\u00a01.500,50"),
        ("en", "1500.00", "€1,500"),
        ("fr", "1500.00", "1\u00a0500\u00a0€"),
    ],
)
def test_the_value_is_shown_as_stored(client, member, other_member, language, value, shown):
    collab = log(member, other_member, confirm=True, value_eur=Decimal(value))
    member.preferred_language = language
    member.save(update_fields=["preferred_language"])
    client.force_login(member)
    for url in (collab.get_absolute_url(), "/collaborations/mine/"):
        page = client.get(url).content.decode()
        assert shown in page, url
    if value.endswith(".00"):
        assert shown + ",00" not in page
        assert shown + ".00" not in page
