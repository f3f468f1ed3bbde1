"""Avatar uploads a member's camera or editor really makes: each becomes the picture it shows,
or a clear form error; never a 500, never a half-saved profile."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tests.factories import make_member

from .test_tags import profile_form_data

pytestmark = pytest.mark.django_db


def _data(profile, **extra):
    return profile_form_data(profile, headline="Changed headline", **extra)


def _upload(client, profile, content: bytes, name="me.jpg", content_type="image/jpeg"):
    client.force_login(profile.user)
    url = reverse("members:profile_edit", kwargs={"slug": profile.slug})
    upload = SimpleUploadedFile(name, content, content_type)
    return client.post(url, _data(profile, avatar_upload=upload))


def _saved_centre(profile) -> tuple[int, int, int]:
    profile.refresh_from_db()
    with Image.open(profile.avatar.path) as full:
        return full.convert("RGB").getpixel((256, 256))


def _near(colour, expected, tolerance=12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))


def test_a_multi_picture_jpeg_from_a_phone_is_accepted(client):
    """Phones and 3D cameras write JPEGs with a second picture inside (MPO): still a JPEG."""
    katia = make_member("Katia Camera")
    frames = [Image.new("RGB", (200, 200), (200, 30, 30)), Image.new("RGB", (200, 200), "blue")]
    buf = io.BytesIO()
    frames[0].save(buf, format="MPO", save_all=True, append_images=frames[1:])
    response = _upload(client, katia, buf.getvalue())
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _near(_saved_centre(katia), (200, 30, 30))


def test_a_16_bit_greyscale_png_keeps_its_shades(client):
    """A mid-grey 16-bit picture (scanners, some editors) must not come out white."""
    katia = make_member("Katia Scanner")
    buf = io.BytesIO()
    Image.new("I;16", (200, 200), 32768).save(buf, format="PNG")  # half of 65535
    response = _upload(client, katia, buf.getvalue(), "scan.png", "image/png")
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _near(_saved_centre(katia), (128, 128, 128))


@pytest.mark.parametrize(
    ("mode", "colour"),
    [("RGB", (0, 0, 0)), ("L", 0)],
)
def test_transparency_by_colour_key_lands_on_white(client, mode, colour):
    """A PNG whose transparency is a colour key (tRNS) is transparent too: white, not black."""
    katia = make_member("Katia Logo")
    buf = io.BytesIO()
    Image.new(mode, (200, 200), colour).save(buf, format="PNG", transparency=colour)
    response = _upload(client, katia, buf.getvalue(), "logo.png", "image/png")
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _near(_saved_centre(katia), (255, 255, 255))
