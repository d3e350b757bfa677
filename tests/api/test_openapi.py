"""The OpenAPI document describes every API route, and its reference page works with no network."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.helpers import need_tool

HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


@pytest.fixture
def document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.is_json
    return response.get_json()


def resolve(document: dict, ref: str) -> object:
    assert ref.startswith("#/"), ref
    node: object = document
    for part in ref[2:].split("/"):
        assert isinstance(node, dict) and part in node, f"unresolvable $ref {ref}"
        node = node[part]
    return node


def refs(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def test_the_document_is_openapi_3_with_bearer_security(document):
    assert re.fullmatch(r"3\.\d+\.\d+", document["openapi"])
    assert document["info"]["title"] and document["info"]["version"]
    assert "already_stored" in document["info"]["description"]  # the batch semantics are documented
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert document["security"] == [{"bearerAuth": []}]


def test_every_api_route_is_described_with_its_methods_and_responses(app, document):
    described = document["paths"]
    routes = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")]
    assert routes, "no API routes registered"
    for rule in routes:
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        assert path in described, f"{rule.rule} is not in the OpenAPI document"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = described[path].get(method.lower())
            assert operation, f"{method} {path} is not described"
            assert operation["summary"] and operation["responses"]
            assert any(code.startswith("2") for code in operation["responses"]), f"{method} {path}: no success"
            assert "401" in operation["responses"], f"{method} {path}: the 401 is not documented"
    # Nothing documented that does not exist.
    documented = {(path, method) for path, item in described.items() for method in item if method in HTTP_METHODS}
    assert len(documented) == sum(len(rule.methods - {"HEAD", "OPTIONS"}) for rule in routes)


def test_every_reference_resolves_and_the_event_schema_is_complete(document):
    for ref in set(refs(document)):
        resolve(document, ref)
    event = document["components"]["schemas"]["TicketEvent"]
    assert set(event["required"]) == {"external_id", "counter", "service_type", "event", "at"}
    assert event["properties"]["event"]["enum"] == ["issued", "called", "started", "finished", "returned", "no_show"]
    assert event["properties"]["at"]["format"] == "date-time"
    batch = document["components"]["schemas"]["TicketEventBatch"]
    assert batch["properties"]["events"]["maxItems"] == 1000
    path = document["paths"]["/api/v1/tickets/{external_id}"]["get"]
    assert [
        p["name"]
        for p in path.get("parameters", document["paths"]["/api/v1/tickets/{external_id}"].get("parameters", []))
    ] == ["external_id"]


def test_the_reference_page_and_its_assets_are_served_by_the_app(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '"validatorUrl": null' in html  # Swagger UI's online validator would call swagger.io
    urls = re.findall(r'(?:src|href)="([^"]+)"', html) + re.findall(r'url: "([^"]+)"', html)
    assert {
        "/api/v1/docs/assets/swagger-ui-bundle.js",
        "/api/v1/docs/assets/swagger-ui.css",
        "/api/v1/openapi.json",
    } <= set(urls)
    for url in urls:
        assert not urlsplit(url).netloc, f"{url} would leave the building"
        response = client.get(url)
        assert response.status_code == 200, url
        response.close()
    assert client.get("/api/v1/docs/assets/../../../etc/passwd").status_code == 404


# --- a real browser with no network ---------------------------------------------------------------------------------


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.mark.browser
def test_the_reference_page_renders_offline(live_server):
    executable = need_tool("chromium")
    from playwright.sync_api import sync_playwright

    outside: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        try:
            page = browser.new_page()

            def only_local(route):
                if route.request.url.startswith(live_server):
                    route.continue_()
                else:
                    outside.append(route.request.url)
                    route.abort()

            page.route("**/*", only_local)
            page.goto(f"{live_server}/api/v1/docs")
            page.wait_for_selector("text=Suara Warga queue-machine API", timeout=15_000)
            page.wait_for_selector('[data-path="/api/v1/ticket-events"]', timeout=15_000)
            assert page.locator(".opblock").count() >= 2
            assert page.get_by_role("button", name=re.compile("Authorize")).count() == 1
        finally:
            browser.close()
    assert outside == [], f"the page tried to reach {outside}"


def test_the_document_validates_against_the_openapi_specification(document):
    from openapi_spec_validator import validate

    validate(document)  # raises OpenAPIValidationError naming the offending path
