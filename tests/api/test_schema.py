"""The OpenAPI schema is valid, served, and documents every endpoint; the docs page is
served by the app (no CDN) and runs under the site's Content-Security-Policy."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

ENDPOINTS = {
    "/api/v1/events/",
    "/api/v1/events/{slug}/",
    "/api/v1/series/",
    "/api/v1/chapters/",
    "/api/v1/spaces/",
    "/api/v1/companies/",
    "/api/v1/directory/",
    "/api/v1/directory/{slug}/",
    "/api/v1/dashboard/",
}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_the_schema_is_valid_openapi_3(schema):
    validate_schema(schema)  # drf-spectacular's own validation (the OpenAPI 3.0 JSON Schema)
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == ENDPOINTS


def test_the_ci_command_passes_without_warnings(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert yaml.safe_load(out.read_text())["paths"].keys() == ENDPOINTS


def test_every_endpoint_documents_its_errors_and_the_token(schema):
    assert schema["components"]["securitySchemes"]["personalToken"]["scheme"] == "bearer"
    for path, operations in schema["paths"].items():
        responses = operations["get"]["responses"]
        assert {"200", "400", "401", "429"} <= set(responses), path
        assert list(operations) == ["get"], f"{path} is read-only"


def test_the_schema_is_served_as_yaml_and_json(client, db):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    assert yaml.safe_load(response.content)["info"]["title"] == "Betacowork API"
    as_json = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert as_json.json()["paths"].keys() == ENDPOINTS


def test_the_docs_page_uses_no_cdn_and_no_inline_code(client, db):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "an inline script would break CSP"
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    assert all(s.startswith("/") for s in sources), sources
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_the_docs_assets_and_start_up_script_are_served_by_the_app(client, db):
    html = client.get("/api/v1/docs/").content.decode()
    bundle = re.search(r'src="([^"]*swagger-ui-bundle\.js)"', html).group(1)
    # A static file of ours (collectstatic, then whitenoise in production), not a CDN's.
    assert bundle.startswith(settings.STATIC_URL)
    assert finders.find(bundle.removeprefix(settings.STATIC_URL))
    start = re.search(r'src="([^"]*script=[^"]*)"', html).group(1).replace("&amp;", "&")
    script = client.get(start)
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/v1/schema/" in script.content.decode()


def test_every_list_declares_the_page_size_bounds_it_enforces(client, db):
    """A client generated from the schema must not send a page size the API refuses: the
    directory declares 1 to 100 like the other lists (it answers 400 to 0 or 101)."""
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    declared = {
        path: parameter["schema"]
        for path, operations in schema["paths"].items()
        for parameter in operations["get"].get("parameters", [])
        if parameter["name"] == "page_size"
    }
    assert set(declared) == {
        "/api/v1/events/",
        "/api/v1/series/",
        "/api/v1/chapters/",
        "/api/v1/spaces/",
        "/api/v1/companies/",
        "/api/v1/directory/",
    }
    for path, page_size in declared.items():
        assert page_size == {"type": "integer", "minimum": 1, "maximum": 100}, path
    assert client.get("/api/v1/directory/", {"page_size": 101}).status_code == 400
    assert client.get("/api/v1/directory/", {"page_size": 100}).status_code == 200


# Concurrency: production serves each process with 8 threads (gunicorn gthread) ----------


@pytest.fixture
def cold_schema_cache(monkeypatch):
    """The schema as a freshly started process has it: not generated yet."""
    from api.views import docs

    monkeypatch.setattr(docs, "_SCHEMAS", {}, raising=False)


def test_the_schema_asked_for_by_many_threads_at_once_is_always_served(cold_schema_cache, db):
    # drf-spectacular's generation is not thread-safe (tfranzel/drf-spectacular#1123): two
    # requests generating at once broke each other, an occasional 500 "Schema generation
    # REQUIRES a view instance" under the production server's threads.
    languages = ["en", "fr", "nl"] * 8
    start = threading.Barrier(8)

    def fetch(language: str) -> tuple[int, str]:
        client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE=language)
        start.wait(timeout=10)  # eight at a time, together
        response = client.get("/api/v1/schema/")
        return response.status_code, response.content.decode()

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(fetch, languages))

    assert [status for status, _body in answers] == [200] * len(languages)
    schemas = {
        language: {body for _s, body in answers[i::3]}
        for i, language in enumerate(["en", "fr", "nl"])
    }
    assert all(len(bodies) == 1 for bodies in schemas.values()), "one schema per language"
    assert "`draft` - Draft" in schemas["en"].pop()
    assert "`draft` - Brouillon" in schemas["fr"].pop()
    assert "`draft` - Concept" in schemas["nl"].pop()


def test_the_schema_is_generated_once_per_language(cold_schema_cache, db, monkeypatch):
    calls = []
    original = SchemaGenerator.get_schema

    def counting(self, *args, **kwargs):
        calls.append(translation.get_language())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counting)
    for language in ["fr", "en", "fr", "nl", "en", "fr"]:
        response = Client(HTTP_ACCEPT_LANGUAGE=language).get("/api/v1/schema/")
        assert response.status_code == 200
    # ?lang= (drf-spectacular's) picks the language too; one it does not know is English.
    assert Client().get("/api/v1/schema/?lang=nl").status_code == 200
    assert Client().get("/api/v1/schema/?lang=xx-unknown").status_code == 200
    assert sorted(calls) == ["en", "fr", "nl"]
