"""EMAIL_URL=filemail://…: the folder the emails land in is the one the URL names.

As in test_settings.py, each case is a fresh Python process with a controlled environment
(settings are read once, at import)."""

from __future__ import annotations

import json

import pytest

from .test_settings import BASE_DIR, run

SEND_ONE = """
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "betacowork.settings"
import django
django.setup()
from django.conf import settings
from django.core.mail import send_mail
if os.environ.get("SEND") == "1":
    send_mail("Hello", "A line.", "from@example.test", ["to@example.test"])
print(json.dumps({"backend": settings.EMAIL_BACKEND, "path": settings.EMAIL_FILE_PATH}))
"""


def file_path(url: str, *, send: bool = False) -> str:
    result = run(["-c", SEND_ONE], EMAIL_URL=url, SEND="1" if send else "0")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["backend"] == "django.core.mail.backends.filebased.EmailBackend"
    return out["path"]


def test_an_absolute_folder_stays_absolute_and_receives_the_mail(tmp_path):
    folder = tmp_path / "t1" / "mail"
    assert file_path(f"filemail://{folder}", send=True) == str(folder)
    written = list(folder.iterdir())
    assert len(written) == 1
    assert "Subject: Hello" in written[0].read_text()
    # Four slashes (django-environ's spelling of an absolute path) mean the same folder.
    assert file_path(f"filemail:///{folder}") == str(folder)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("filemail://var/mail", BASE_DIR / "var" / "mail"),
        ("filemail://tmp/t1/mail", BASE_DIR / "tmp" / "t1" / "mail"),
        ("filemail://", BASE_DIR / "var" / "mail"),
        ("filemail:///", BASE_DIR / "var" / "mail"),
    ],
)
def test_a_relative_folder_is_inside_the_project(url, expected):
    assert file_path(url) == str(expected)
