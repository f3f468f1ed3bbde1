"""A property-based run of the schema against the app (schemathesis, in process through the
WSGI application): a few hundred generated requests — valid and invalid parameters,
anonymous and with a token — and not one server error; every answer matches the schema
(status code, content type, headers, body)."""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import load_all_checks, not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import token_for

EXAMPLES_PER_OPERATION = 40  # 9 operations, 2 callers, 40 each: about 700 requests


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Requests go through the real WSGI handler, whose end closes old database connections
    — the test's own, inside its transaction, on PostgreSQL. Django's test client turns that
    off for its requests; so do we, for this test."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def generous_limits(settings):
    settings.API_RATE_LIMITS = {"anonymous": "100000/m", "token": "100000/m", "session": "1/m"}


def run_operation(operation, headers: dict, stats: Counter) -> None:
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(case=operation.as_strategy())
    def check(case):
        response = case.call(headers=headers)
        stats[response.status_code] += 1
        assert response.status_code < 500, (case.path, case.query, response.text[:300])
        case.validate_response(
            response,
            checks=[
                not_a_server_error,
                status_code_conformance,
                content_type_conformance,
                response_headers_conformance,
                response_schema_conformance,
            ],
            headers=headers,
        )

    check()


@pytest.mark.django_db
def test_generated_requests_never_fail_and_always_match_the_schema(
    world, member, generous_limits, capsys
):
    load_all_checks()
    token = token_for(member)
    app = get_wsgi_application()
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", app)
    stats: Counter = Counter()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 9
    for operation in operations:
        for headers in ({}, {"Authorization": f"Bearer {token}"}):
            run_operation(operation, headers, stats)
    total = sum(stats.values())
    with capsys.disabled():
        print(  # noqa: T201 - the run's summary, for the record
            f"\nschemathesis: {total} requests over {len(operations)} operations x 2 callers; "
            f"statuses {dict(sorted(stats.items()))}; 0 server errors"
        )
    assert total >= 300
    assert stats[200] >= 50, stats  # not everything was refused: real pages were checked
