"""`submit_once` (betacowork/submissions): a form that creates something acts once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from betacowork.submissions.forms import NonceField
from betacowork.submissions.models import Submission
from betacowork.submissions.services import nonce_clean, nonce_new, submit_once
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _once(user, nonce, made: list, *, fail: bool = False):
    def make():
        if fail:
            raise ValidationError("refused")
        made.append(UserFactory())  # anything with a pk
        return made[-1]

    return submit_once(
        user=user,
        purpose="test.make",
        nonce=nonce,
        make=make,
        find=lambda pk: next((m for m in made if m.pk == pk), None),
    )


def test_the_same_form_makes_once_and_answers_with_what_it_made():
    user, made, nonce = UserFactory(), [], nonce_new()
    first = _once(user, nonce, made)
    again = _once(user, nonce, made)
    assert (first.repeated, again.repeated) == (False, True)
    assert again.made == first.made
    assert len(made) == 1
    assert _once(user, nonce_new(), made).repeated is False  # a new form
    assert _once(UserFactory(), nonce, made).repeated is False  # someone else's form
    assert len(made) == 3


def test_a_refused_form_leaves_no_record_so_it_can_be_sent_again():
    user, made, nonce = UserFactory(), [], nonce_new()
    with pytest.raises(ValidationError):
        _once(user, nonce, made, fail=True)
    assert not Submission.objects.exists()
    assert _once(user, nonce, made).repeated is False
    assert len(made) == 1


def test_without_a_token_it_simply_makes():
    user, made = UserFactory(), []
    _once(user, "", made)
    _once(user, "", made)
    assert len(made) == 2
    assert not Submission.objects.exists()


def test_old_records_of_the_same_person_are_deleted_as_new_ones_come():
    user, made = UserFactory(), []
    _once(user, nonce_new(), made)
    Submission.objects.update(created_at=timezone.now() - timedelta(days=8))
    _once(user, nonce_new(), made)
    assert Submission.objects.count() == 1


def test_a_token_is_what_we_make_or_nothing():
    assert len(nonce_new()) == 32
    assert nonce_clean(nonce_new()) != ""
    for bad in ("", None, "x" * 32, "A" * 32, "0" * 31, "0" * 33):
        assert nonce_clean(bad) == ""
    field = NonceField()
    assert field.clean("") == ""
    with pytest.raises(ValidationError, match="out of date"):
        field.clean("not-a-token")
