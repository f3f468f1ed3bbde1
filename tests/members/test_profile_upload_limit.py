"""A picture over the upload limit refuses the picture only: what was typed in the other
fields comes back, as with any other refused picture (testers, round 3: a 9.7 MB PNG threw
away the new headline). The size in the message is written the reader's way."""

from __future__ import annotations

import html

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from members import avatars
from tests.factories import make_member

from .test_profile_edit import _form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def katia(db, vocab):
    return make_member("Katia Xenophontos", visibility="members", headline="Freelance translator")


def test_a_too_large_upload_keeps_what_was_typed(client, katia):
    client.force_login(katia.user)
    url = reverse("members:profile_edit", kwargs={"slug": katia.slug})
    huge = SimpleUploadedFile("huge.png", b"\x89PNG" + b"\0" * (7 * 1024 * 1024), "image/png")
    response = client.post(
        url, {**_form_data(headline="Conference interpreter"), "avatar_upload": huge}
    )
    assert response.status_code == 413
    page = html.unescape(response.content.decode())
    # The typed headline is in the form, the saved one is not; the picture has the error.
    assert 'value="Conference interpreter"' in page
    assert 'value="Freelance translator"' not in page
    assert "That upload is too large: pictures are limited to 5 MB." in page
    assert 'class="field field-error"' in page
    katia.refresh_from_db()
    assert katia.headline == "Freelance translator"  # nothing saved
    assert not katia.avatar


class _Upload:
    def __init__(self, size: int):
        self.size = size


@pytest.mark.parametrize(
    ("language", "size"),
    [("en", "5.6"), ("fr", "5,6"), ("nl", "5,6")],
)
def test_the_size_of_a_too_large_picture_is_written_the_readers_way(language, size):
    with translation.override(language), pytest.raises(ValidationError) as refused:
        avatars.avatar_process(_Upload(int(5.55 * 1024 * 1024)))
    message = refused.value.messages[0]
    assert f" {size} " in message
    assert " 5 " in message  # the limit


def test_a_picture_just_over_the_limit_never_reads_as_the_limit():
    with pytest.raises(ValidationError) as refused:
        avatars.avatar_process(_Upload(avatars.MAX_BYTES + 1))
    assert "5.1 MB; the limit is 5 MB" in refused.value.messages[0]
