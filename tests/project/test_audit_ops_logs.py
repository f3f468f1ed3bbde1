"""Ops audit: what the logs say about refused requests.

Every scanner that reaches the site by its address, not its name, sends a Host header the
site does not serve: Django logs that as an ERROR with a 13-line traceback
(django.security.DisallowedHost), one per request, which buries real errors and would page
whoever watches ERRORs. Like any other 4xx (betacowork/log.py), it is one WARNING line.
"""

import pytest

from tests.project.test_settings import run

REQUEST_WITH_A_FOREIGN_HOST = """
import os
os.environ["DJANGO_SETTINGS_MODULE"] = "betacowork.settings"
import django
django.setup()
from django.test import Client
response = Client(raise_request_exception=False).get("/", HTTP_HOST="203.0.113.9")
print(response.status_code)
"""


@pytest.mark.timeout(120)
def test_a_foreign_host_header_is_one_warning_line_without_a_traceback(tmp_path):
    result = run(["-c", REQUEST_WITH_A_FOREIGN_HOST], CELERY_BROKER_DIR=str(tmp_path))
    assert result.stdout.strip() == "400", result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "Traceback" not in result.stderr
    security = [line for line in lines if "django.security.DisallowedHost" in line]
    assert len(security) == 1, result.stderr
    assert " WARNING " in security[0]
    assert "203.0.113.9" in security[0]


def test_the_middlewares_own_security_warnings_still_print():
    from betacowork.log import logging_config

    config = logging_config(level="INFO", task_level="INFO", filesystem_broker=True)
    security = config["loggers"]["django.security"]
    assert security["handlers"], "django.security records must reach a handler"


# --- A request id ties a request's log lines together ---------------------------------------
# Two web processes of 8 threads each interleave their lines: a traceback could not be told
# apart from another request's, nor matched with the proxy's access log line.


@pytest.mark.django_db
def test_each_response_carries_a_request_id_and_its_log_lines_too(client, caplog):
    import logging

    from betacowork.log import logging_config

    caplog.set_level(logging.INFO)
    response = client.get("/no-such-page/")
    request_id = response["X-Request-ID"]
    assert 8 <= len(request_id) <= 64
    records = [r for r in caplog.records if r.name == "django.request"]
    assert records
    assert all(r.request_id == request_id for r in records)
    plain = logging_config(level="INFO", task_level="INFO", filesystem_broker=True)
    assert "%(request_id)s" in plain["formatters"]["plain"]["format"]
    assert client.get("/no-such-page/")["X-Request-ID"] != request_id


@pytest.mark.django_db
def test_the_proxys_request_id_is_kept_when_it_is_a_plain_token(client):
    response = client.get("/", HTTP_X_REQUEST_ID="abc-123.XYZ_9")
    assert response["X-Request-ID"] == "abc-123.XYZ_9"


@pytest.mark.django_db
@pytest.mark.parametrize("forged", ["a\nERROR forged line", "x" * 200, "", "<script>"])
def test_a_forged_request_id_is_replaced(client, forged):
    response = client.get("/", HTTP_X_REQUEST_ID=forged)
    assert response["X-Request-ID"] != forged
    assert response["X-Request-ID"].isalnum()


def test_records_outside_a_request_format_with_a_dash():
    import logging
    import threading

    from betacowork.log import RequestIdFilter

    # A thread of its own, as a Celery worker's: no request was ever served on it.
    seen = []

    def log_outside_a_request():
        record = logging.LogRecord("celery", logging.INFO, __file__, 1, "beat tick", None, None)
        RequestIdFilter().filter(record)
        seen.append(record.request_id)
        made = logging.getLogRecordFactory()("celery", logging.INFO, __file__, 1, "x", None, None)
        seen.append(made.request_id)

    thread = threading.Thread(target=log_outside_a_request)
    thread.start()
    thread.join()
    assert seen == ["-", "-"]


def test_gunicorns_access_log_carries_the_request_id_and_the_duration():
    import importlib.util

    from tests.project.test_settings import BASE_DIR

    spec = importlib.util.spec_from_file_location(
        "gunicorn_conf", BASE_DIR / "betacowork" / "gunicorn.conf.py"
    )
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    assert "%({x-request-id}o)s" in conf.access_log_format
    assert "%(M)s" in conf.access_log_format
