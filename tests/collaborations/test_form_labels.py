"""The collaboration form: every label points at its field (no `<label for="">`), every error
is on the field it is about."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from .conftest import form_as_sent

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


class _Fields(HTMLParser):
    """The form's fields ({id: attributes}) and the text of each element with an id."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, dict] = {}
        self.text: dict[str, str] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "select", "textarea") and attrs.get("id"):
            self.fields[attrs["id"]] = attrs
        if tag == "ul" and attrs.get("id"):
            self._open.append(attrs["id"])
            self.text[attrs["id"]] = ""

    def handle_endtag(self, tag):
        if tag == "ul" and self._open:
            self._open.pop()

    def handle_data(self, data):
        for element in self._open:
            self.text[element] += data


def errors_by_field(html: str) -> dict[str, str]:
    """{id of each field marked invalid: the text of what describes it}."""
    parser = _Fields()
    parser.feed(html)
    return {
        field_id: " ".join(
            parser.text.get(d, "").strip() for d in (attrs.get("aria-describedby") or "").split()
        ).strip()
        for field_id, attrs in parser.fields.items()
        if attrs.get("aria-invalid") == "true"
    }


@pytest.mark.parametrize(
    ("rows", "field", "message"),
    [
        ({}, "id_participants-0-member", "Add at least one other participant"),
        ({"0-member": "{me}"}, "id_participants-0-member", "already in this collaboration"),
        (
            {"0-member": "{other}", "1-member": "{other}", "1-role": "partner"},
            "id_participants-1-member",
            "Stan Jagiello appears twice.",
        ),
        ({"2-role": "client"}, "id_participants-2-member", "Say who this participant is."),
    ],
)
def test_a_participants_error_is_on_the_field_it_is_about(
    member_client, member, other_member, rows, field, message
):
    """Sent back with a participant missing, twice or oneself: the error is that field's —
    marked invalid and described by it, the first field in error (where the focus goes) —
    not a message above the rows that points at no field."""
    url = reverse("collaborations:create")
    slugs = {"{me}": member.profile.slug, "{other}": other_member.profile.slug}
    typed = {f"participants-{k}": slugs.get(v, v) for k, v in rows.items()}
    if "participants-0-member" in typed:
        typed.setdefault("participants-0-role", "client")
    page = member_client.get(url).content.decode()
    response = member_client.post(
        url, form_as_sent(page, title="Translations", kind="service", **typed)
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert list(errors_by_field(html)) == [field]
    assert message in errors_by_field(html)[field]
    assert "form-errors" not in html.split("<main", 1)[1]  # no summary before the field
