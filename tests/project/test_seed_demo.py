"""seed_demo is idempotent: a second run changes no count."""

import io

import pytest
from django.apps import apps
from django.core.management import call_command

from members.demo import MEMBER_EMAIL, STAFF_EMAIL
from members.models import User

pytestmark = pytest.mark.django_db(transaction=True)


def counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for app in ("members", "events", "collaborations", "account")
        for model in apps.get_app_config(app).get_models()
    }


def test_seed_demo_twice_gives_the_same_counts():
    out = io.StringIO()
    call_command("seed_demo", members=20, stdout=out)
    first = counts()
    assert first["members.User"] >= 20
    assert first["members.Space"] >= 3
    printed = out.getvalue()
    assert STAFF_EMAIL in printed
    assert MEMBER_EMAIL in printed

    call_command("seed_demo", members=20, stdout=io.StringIO())
    assert counts() == first
    assert User.objects.get(email=STAFF_EMAIL).is_staff


def test_seed_demo_refuses_a_silly_size():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("seed_demo", members=-1, stdout=io.StringIO())
