"""What `make run` prints: each email framed at INFO, a 403 in one line, no kombu chatter.

The worker used to print emails through stdout, which Celery turns into `WARNING
celery.redirected:` lines; an expected 403 printed its traceback twice; kombu warned on every
connection to the filesystem broker that no hostname was supplied.
"""

from __future__ import annotations

import logging
import sys

import pytest
from django.conf import settings
from django.core.mail import BadHeaderError, EmailMultiAlternatives

from betacowork.console_email import ConsoleEmailBackend
from betacowork.log import ClientErrorsWithoutTraceback, DropMessage


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def email_log():
    logger = logging.getLogger("betacowork.email")
    handler = Records()
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


def _message(**kwargs) -> EmailMultiAlternatives:
    defaults = {
        "subject": "[Betacowork] Your seat at Betacooks",
        "body": "Hello Katia,\n\nSee you on Tuesday.",
        "from_email": "Betacowork <community@betacowork.test>",
        "to": ["katia@example.test"],
        "headers": {"List-Unsubscribe": "<https://example.test/u/1>", "X-Mailer": "x"},
    }
    defaults.update(kwargs)
    return EmailMultiAlternatives(**defaults)


def test_each_email_is_one_framed_info_record_and_nothing_on_stdout(email_log, capsys):
    message = _message()
    message.attach_alternative("<p>Hello Katia</p>", "text/html")
    message.attach("betacooks.ics", "BEGIN:VCALENDAR", "text/calendar")

    assert ConsoleEmailBackend().send_messages([message, _message(to=["stan@example.test"])]) == 2

    assert [r.levelno for r in email_log] == [logging.INFO, logging.INFO]
    lines = email_log[0].getMessage().splitlines()
    assert lines[0].startswith(
        "── email to katia@example.test: [Betacowork] Your seat at Betacooks ──"
    )
    assert "│ From: Betacowork <community@betacowork.test>" in lines
    assert "│ List-Unsubscribe: <https://example.test/u/1>" in lines
    assert not any("X-Mailer" in line for line in lines)  # transport detail
    assert "│ See you on Tuesday." in lines
    assert lines[-1].startswith(
        "╰── end of email to katia@example.test (with an HTML version, "
        "attachment betacooks.ics (15 bytes)) ──"
    )
    assert email_log[1].getMessage().startswith("── email to stan@example.test:")
    assert capsys.readouterr().out == ""  # a worker would turn stdout into WARNINGs


def test_the_frame_prints_as_is_and_does_not_reach_the_root_handlers():
    logger = logging.getLogger("betacowork.email")
    assert logger.propagate is False
    (handler,) = [h for h in logger.handlers if type(h) is logging.StreamHandler]  # not pytest's
    record = logger.makeRecord(logger.name, logging.INFO, __file__, 1, "── x ──", (), None)
    assert handler.format(record) == "── x ──"  # no date, level or logger name in the frame


def test_a_header_injection_is_refused_like_a_real_backend(email_log):
    with pytest.raises(BadHeaderError):
        ConsoleEmailBackend().send_messages([_message(subject="Hi\nBcc: all@example.test")])
    assert email_log == []


def _record(status: int) -> logging.LogRecord:
    try:
        raise PermissionError("nope")
    except PermissionError:
        exc_info = sys.exc_info()
    return logging.getLogger("django.request").makeRecord(
        "django.request",
        logging.WARNING if status < 500 else logging.ERROR,
        __file__,
        1,
        "Forbidden (Permission denied): %s",
        ("/budget/",),
        exc_info,
        extra={"status_code": status},
    )


def test_a_4xx_keeps_its_line_but_not_its_traceback_and_a_5xx_keeps_both():
    forbidden, failed = _record(403), _record(500)
    assert ClientErrorsWithoutTraceback().filter(forbidden)
    assert ClientErrorsWithoutTraceback().filter(failed)
    formatter = logging.Formatter("%(levelname)s %(name)s: %(message)s")
    assert formatter.format(forbidden) == (
        "WARNING django.request: Forbidden (Permission denied): /budget/"
    )
    assert "Traceback" in formatter.format(failed)


def test_a_403_is_printed_once_in_one_line(client, member, caplog):
    """The page refuses (403) and django.request logs it: one handler prints it, no traceback."""
    client.force_login(member)
    response = client.get("/budget/")
    assert response.status_code == 403
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == "Forbidden (Permission denied): /budget/"
    assert record.exc_info is None
    printers = [
        handler
        for logger in (logging.getLogger("django.request"), logging.getLogger("django"))
        for handler in logger.handlers
    ] + [h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler]
    assert len(printers) == 1  # the root console handler, not Django's own as well


def test_kombu_no_hostname_warning_is_dropped_for_the_filesystem_broker_only():
    drop = DropMessage("No hostname was supplied")
    noise = logging.makeLogRecord({"msg": "No hostname was supplied. Reverting to 'localhost'"})
    news = logging.makeLogRecord({"msg": "Connection refused"})
    assert drop.filter(noise) is False
    assert drop.filter(news) is True
    filters = logging.getLogger("kombu.connection").filters
    on_filesystem = settings.CELERY_BROKER_URL.startswith("filesystem://")
    assert any(isinstance(f, DropMessage) for f in filters) is on_filesystem
