"""The collaboration form: every label points at its field (no `<label for="">`)."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_every_label_of_the_form_points_at_a_field(member_client):
    html = member_client.get(reverse("collaborations:create")).content.decode()
    assert 'for=""' not in html
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    targets = re.findall(r'<label[^>]*\bfor="([^"]*)"', html)
    assert targets, "the form has labels"
    assert [t for t in targets if t not in ids] == []
    # The radio groups are named by a legend instead of a dangling label.
    assert re.search(r"<legend[^>]*>\s*Where it began", html)
