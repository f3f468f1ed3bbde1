"""QA (the API as a client developer reads it): its schema names the values of its
enumerated fields and its conditional requests, a blank filter is no filter, and /api
without its slash answers in JSON."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.events.factories import EventFactory
from tests.factories import SpaceFactory

from .conftest import ApiClient


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _resolve(schema, node):
    if "$ref" in node:
        return schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


@pytest.mark.parametrize(
    ("component", "field", "values"),
    [
        ("Event", "status", {"draft", "published", "cancelled"}),
        ("Event", "visibility", {"public", "members"}),
        ("Chapter", "status", {"active", "planned"}),
    ],
)
def test_enumerated_fields_list_their_values(schema, component, field, values):
    prop = schema["components"]["schemas"][component]["properties"][field]
    assert set(_resolve(schema, prop)["enum"]) == values


def test_conditional_requests_are_documented(schema):
    operation = schema["paths"]["/api/v1/events/"]["get"]
    asked = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
    assert {"If-None-Match", "If-Match"} <= asked
    assert "ETag" in operation["responses"]["200"]["headers"]
    assert {"304", "412"} <= set(operation["responses"])


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["space", "kind", "chapter"])
def test_a_blank_filter_is_no_filter(name):
    SpaceFactory(slug="betacowork")
    event = EventFactory()
    response = ApiClient().get("/api/v1/events/", {name: " "})
    assert response.status_code == 200, response.content[:200]
    assert event.slug in {e["slug"] for e in response.json()["results"]}


@pytest.mark.django_db
def test_api_without_its_slash_answers_in_json(client):
    response = client.get("/api")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "/api/v1/docs/" in response.json()["detail"]
