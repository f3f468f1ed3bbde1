"""The collaboration's history in the admin reads as sentences in staff's language (QA: each
row said "42 created by Katia Xenophontos" and its changes were the stored JSON, e.g.
{"kind": [null, "service"], "origin_type": [null, "space"]}, in the French admin too)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from collaborations.services import collaboration_update, participant_confirm

from .conftest import log

pytestmark = pytest.mark.django_db


def test_staff_read_what_happened_and_what_changed_in_their_language(
    client, staff, member, third_member
):
    collab = log(member, third_member, title="Logo redesign", value_eur=Decimal("800"))
    participant_confirm(participant=collab.participants.get(user=third_member), user=third_member)
    collaboration_update(collaboration=collab, actor=member, value_eur=Decimal("950"))
    client.force_login(staff)
    client.cookies["betacowork_language"] = "fr"

    page = client.get(reverse("admin:collaborations_collaboration_change", args=[collab.pk]))

    html = page.content.decode()
    history = html[html.index('id="history-group"') :]
    assert f"Déclarée, par {member.profile.display_name}" in history
    assert f"Confirmée par un participant, par {third_member.profile.display_name}" in history
    assert ", by " not in history
    assert "origin_type" not in history
    assert '"service"' not in history
    assert "Valeur (€)\u00a0: 800 → 950" in history
    assert "Type\u00a0: — → Service" in history  # the kind, by its label
    assert "Description\u00a0:" not in history  # left empty: nothing to say
    assert "1 mars 2025" in history
    assert f"{third_member.profile.display_name} (Client)" in history  # with its role
