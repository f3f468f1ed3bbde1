"""Issue 13, defect 9 (and the documentation of 1, 2, 5, 8): the duplicate window is documented
with how often and why, and every copy sent in it carries the same Message-ID."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from betacowork.messaging import records
from betacowork.messaging.models import Outbox
from betacowork.messaging.outbox import outbox_write
from betacowork.messaging.rendering import RenderedMessage
from betacowork.messaging.sender import outbox_send_due
from tests.messaging.backends import ScriptedBackend

BASE_DIR = Path(__file__).resolve().parents[2]
README = (BASE_DIR / "README.md").read_text()
ENV_EXAMPLE = (BASE_DIR / ".env.example").read_text()


class Killed(BaseException):
    """The worker dies (SIGKILL) after the server's 250, before `sent` is committed."""


@pytest.mark.django_db
def test_a_copy_sent_again_after_the_window_has_the_same_message_id(settings, monkeypatch):
    settings.EMAIL_BACKEND = "tests.messaging.backends.ScriptedBackend"
    ScriptedBackend.reset()
    outbox_write(
        dedup_key="window",
        kind="test",
        to_email="katia@example.test",
        language="en",
        message=RenderedMessage(subject="Reminder", text="See you tomorrow"),
        send_now=False,
    )
    sent = records.Recorder.sent

    def die_before_recording_sent(recorder, row):
        raise Killed

    monkeypatch.setattr(records.Recorder, "sent", die_before_recording_sent)
    with pytest.raises(Killed):
        outbox_send_due()
    monkeypatch.setattr(records.Recorder, "sent", sent)
    # The lease of the dead worker expires; the sweep sends the row again.
    Outbox.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert outbox_send_due() == 1
    first, second = ScriptedBackend.sent
    assert first.extra_headers["Message-ID"] == second.extra_headers["Message-ID"]
    assert Outbox.objects.get().status == Outbox.Status.SENT


def test_the_readme_says_how_often_the_window_duplicates_and_why():
    window = README[README.index("**The one unavoidable window.**") :]
    window = window[: window.index("**Reminders**")]
    assert "1 in 1,000" in window  # how often, as measured
    assert "SIGKILL" in window  # when
    assert "same deterministic `Message-ID`" in window


@pytest.mark.parametrize(
    "variable",
    ["ALLAUTH_TRUSTED_PROXY_COUNT", "ALLAUTH_TRUSTED_CLIENT_IP_HEADER", "BENCH_REFERENCE_VIEW"],
)
def test_new_variables_are_documented(variable):
    assert variable in ENV_EXAMPLE
    assert f"`{variable}`" in README


def test_the_readme_documents_the_login_limits_and_the_cache_fallback():
    assert "login_failed_account" in README
    assert "per-process" in README
