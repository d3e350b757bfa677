"""Issue 9.9: the API's answers conform to its OpenAPI document (schemathesis, every check), and every example in
the document works against the demo data."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import Unit
from feedback_app.services.api_tokens import create_api_token
from feedback_app.services.demo import load_demo_data
from tests.api.conformance import conformance_failures, schema_from_app


@pytest.fixture
def demo_token(app, clock):
    """The demo data (as `make run` loads it) and a token of its Bogor unit; the examples' day is over."""
    clock.set(datetime(2026, 10, 14, 8, 0, tzinfo=UTC))  # 15:00 WIB
    load_demo_data()
    unit = db.session.scalar(select(Unit).where(Unit.slug == "dukcapil-bogor"))
    _row, token = create_api_token(unit, "Mesin antrean uji")
    db.session.commit()
    return token


def test_schemathesis_finds_nothing(app, demo_token):
    assert conformance_failures(schema_from_app(app), demo_token, max_examples=25) == []


def test_every_example_of_the_document_works_on_the_demo_data(client, demo_token):
    document = client.get("/api/v1/openapi.json").get_json()
    headers = {"Authorization": f"Bearer {demo_token}"}
    post = document["paths"]["/api/v1/ticket-events"]["post"]
    examples = post["requestBody"]["content"]["application/json"]["examples"]
    assert list(examples) == ["single", "batch"]  # issued first, then the rest of the ticket's day
    for name, example in examples.items():
        response = client.post("/api/v1/ticket-events", json=example["value"], headers=headers)
        assert response.status_code == 200, (name, response.get_json())
        body = response.get_json()
        assert body.get("errors", 0) == 0 and body.get("status") != "error", (name, body)
    event = document["components"]["schemas"]["TicketEvent"]["properties"]
    ticket = client.get(f"/api/v1/tickets/{event['external_id']['example']}", headers=headers)
    assert ticket.status_code == 200
    served = ticket.get_json()
    assert served["employee_nip"] == event["employee_nip"]["example"] and served["outcome"] == "finished"
    assert (
        served["counter"] == event["counter"]["example"] and served["service_type"] == event["service_type"]["example"]
    )
