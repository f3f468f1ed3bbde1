"""Issue 13, defect 7: a database outage is a 503 with Retry-After (JSON for /healthz and the
JSON endpoints), never a 500; persistent PostgreSQL connections are health-checked.

On any backend the outage is made with `connection.execute_wrapper` (every statement fails
the way a dropped server makes it fail); on PostgreSQL the connection is also pointed at a
closed port and killed with pg_terminate_backend."""

import contextlib
import socket

import pytest
from django.db import close_old_connections, connection
from django.db.utils import InterfaceError, OperationalError
from django.test import Client
from django.urls import reverse

from tests.factories import SpaceFactory

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def database_down(error=OperationalError):
    def refuse(execute, sql, params, many, context):
        raise error("server closed the connection unexpectedly")

    with connection.execute_wrapper(refuse):
        yield


@pytest.fixture
def web():
    """A client that gets the response a visitor would get, not the exception."""
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
@pytest.mark.parametrize("path", ["/", "/directory/", "/events/", "/collaborations/dashboard/"])
def test_pages_answer_503_with_retry_after(web, path, error):
    SpaceFactory()
    with database_down(error):
        response = web.get(path)
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    html = response.content.decode()
    assert "briefly unavailable" in html
    assert "/static/css/site.css" in html
    assert "server closed" not in html


def test_a_logged_in_visitor_gets_the_503_page_too(web, member):
    # The session and the user are loaded by middleware, before any view runs.
    web.force_login(member)
    with database_down():
        response = web.get("/directory/")
    assert response.status_code == 503
    assert "briefly unavailable" in response.content.decode()


def test_a_form_post_during_the_outage_is_a_503(web):
    with database_down():
        response = web.post(reverse("account_login"), {"login": "a@example.test", "password": "x"})
    assert response.status_code == 503


@pytest.mark.parametrize("path", ["/directory/terms.json?q=py", "/directory/people.json?q=ka"])
def test_json_endpoints_answer_json(web, member, path):
    web.force_login(member)
    with database_down():
        response = web.get(path)
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["status"] == "unavailable"
    assert "Retry-After" in response


@pytest.mark.parametrize("token", ["", "k3-monitor-token"])
def test_healthz_answers_json_even_when_the_session_cannot_load(
    web, staff, settings, token, expect_logged_errors
):
    """A staff session cannot be read while the database is down: the error's name is still
    kept for the monitor's token."""
    settings.HEALTHZ_TOKEN = "k3-monitor-token"
    web.force_login(staff)
    with database_down():
        response = web.get("/healthz", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 503
    database = {"ok": False, "error": "OperationalError"} if token else {"ok": False}
    assert response.json() == {"status": "degraded", "database": database}


def test_other_errors_are_still_the_500_page(web, expect_logged_errors, monkeypatch):
    from members import views

    def boom(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(views.DirectoryView, "get", boom)
    response = web.get("/directory/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_the_page_is_back_once_the_database_is(web):
    with database_down():
        assert web.get("/events/").status_code == 503
    assert web.get("/events/").status_code == 200


# --- PostgreSQL: a real refused connection and a real killed one ------------------------------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_refusing_connections_is_a_503(web, expect_logged_errors):
    settings_dict = connection.settings_dict
    saved = settings_dict["PORT"], settings_dict["HOST"]
    connection.close()
    settings_dict["HOST"], settings_dict["PORT"] = "127.0.0.1", _closed_port()
    try:
        response = web.get("/events/")
        health = web.get("/healthz")
    finally:
        connection.close()
        settings_dict["PORT"], settings_dict["HOST"] = saved
    assert response.status_code == 503
    assert "Retry-After" in response
    assert health.status_code == 503
    assert health.json()["database"] == {"ok": False}
    assert web.get("/events/").status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_killed_persistent_connection_is_replaced_before_the_next_request(monkeypatch):
    """What request_started does (close_old_connections) with CONN_HEALTH_CHECKS on: a
    connection the server dropped while idle is replaced, so no request sees the error."""
    from django.conf import settings as django_settings

    assert django_settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", True)
    connection.close()
    close_old_connections()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    import psycopg2

    params = connection.get_connection_params()
    killer = psycopg2.connect(**params)
    try:
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        killer.close()
    close_old_connections()  # the start of the next request
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
    connection.close()


def test_the_drivers_own_error_is_a_503_too(web):
    """A killed connection noticed while a server-side cursor is closed (during template
    rendering) raises the driver's error, which Django does not wrap: still a 503."""
    from django.db import connections

    driver_error = connections["default"].Database.OperationalError
    SpaceFactory()

    def refuse(execute, sql, params, many, context):
        raise driver_error("server closed the connection unexpectedly")

    with connection.execute_wrapper(refuse):
        response = web.get("/events/")
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
