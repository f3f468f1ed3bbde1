"""The password rules speak the reader's language (Django's own Dutch catalogue lacks the
current wording of the minimum length)."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import MinimumLengthValidator
from django.utils import translation


@pytest.mark.parametrize(
    ("language", "start"),
    [("nl", "Dit wachtwoord is te kort"), ("fr", "Ce mot de passe est trop court")],
)
def test_a_too_short_password_is_said_in_the_readers_language(language, start):
    with translation.override(language):
        message = MinimumLengthValidator(12).get_error_message()
    assert message.startswith(start)
    assert "12" in message
