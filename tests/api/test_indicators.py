"""``GET /api/v1/indicators``: scopes, cursor pagination and the body against its own OpenAPI schema."""

from __future__ import annotations

import pytest
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import ApiToken
from feedback_app.services.api_tokens import create_api_token
from feedback_app.services.errors import DomainError
from tests.export_world import PERIOD, export_office


@pytest.fixture
def world(app, build, clock):
    office = export_office(build)
    _row, office.hr_token = create_api_token(office.unit, "SIASN", ["indicators:read"], [office.unit])
    _row, office.queue_token = create_api_token(office.unit, "Mesin antrean", ["ticket_events:write"])
    db.session.commit()
    return office


def get(client, token: str, **query):
    return client.get("/api/v1/indicators", query_string=query, headers={"Authorization": f"Bearer {token}"})


def validator(client) -> OAS30Validator:
    """The 200 schema of the operation as the served OpenAPI document states it, $refs resolved in the document."""
    document = client.get("/api/v1/openapi.json").get_json()
    schema = document["paths"]["/api/v1/indicators"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    registry = Registry().with_resource("urn:openapi", Resource.opaque(document))
    return OAS30Validator({**schema, "components": document["components"]}, registry=registry)


def test_an_hr_token_reads_every_scored_employee_page_by_page_and_each_page_matches_the_schema(client, world):
    check = validator(client)
    seen, cursor, pages = [], None, 0
    while True:
        response = get(client, world.hr_token, period=PERIOD, limit=2, **({"cursor": cursor} if cursor else {}))
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        check.validate(body)
        seen += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 2 and len(seen) == 4  # Kepala, Sari, Ani, Budi; two a page
    ani = next(item for item in seen if item["name"] == "Ani")
    assert ani["nip"] == world.ani.nip and ani["run_id"] == world.final_run.id and ani["unit"] == "uji"
    assert ani["indicators"]["ikp"]["status"] == "ok" and ani["indicators"]["ikp"]["n"] == 40
    assert ani["indicators"]["ikp"]["explanation_url"].endswith(f"/sdm/indikator/{_ikp_id(world)}")
    assert ani["appraisal"]["predikat"] == "Baik"
    budi = next(item for item in seen if item["name"] == "Budi")
    assert budi["nip"] is None and budi["indicators"]["ikp"]["value"] is None and budi["appraisal"] is None


def _ikp_id(world) -> int:
    return next(row.id for row in world.final_run.indicators if row.code == "ikp" and row.employee_id == world.ani.id)


def test_a_queue_machines_token_gets_403_on_indicators_and_an_hr_token_403_on_ticket_events(client, world):
    response = get(client, world.queue_token, period=PERIOD)
    assert response.status_code == 403 and "indicators:read" in response.get_json()["message"]
    response = client.get("/api/v1/tickets/X", headers={"Authorization": f"Bearer {world.hr_token}"})
    assert response.status_code == 403
    assert client.get("/api/v1/tickets/X", headers={"Authorization": f"Bearer {world.queue_token}"}).status_code == 404


def test_a_token_reads_only_its_units(client, world, build):
    other = build.unit(slug="lain", name="Unit Lain")
    _row, foreign = create_api_token(other, "SIASN lain", ["indicators:read"], [other])
    db.session.commit()
    response = get(client, foreign, period=PERIOD, unit="uji")
    assert response.status_code == 403 and response.get_json()["field"] == "unit"
    assert get(client, foreign, period=PERIOD).get_json()["items"] == []
    below = build.unit(slug="bawah", name="Di bawah", parent_id=world.unit.id)
    db.session.commit()
    assert get(client, world.hr_token, period=PERIOD, unit=below.slug).status_code == 200  # units below are read


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "period"),
        ({"period": "2026-13"}, "period"),
        ({"period": PERIOD, "limit": 0}, "limit"),
        ({"period": PERIOD, "cursor": "!!"}, "cursor"),
        ({"period": PERIOD, "unit": "tidak-ada"}, "unit"),
    ],
)
def test_bad_queries_are_422_naming_the_field(client, world, query, field):
    response = get(client, world.hr_token, **query)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["field"] == field


def test_tokens_made_before_scopes_keep_working_as_queue_machines(world):
    row = db.session.scalar(select(ApiToken).where(ApiToken.name == "Mesin antrean"))
    assert row.scopes == "ticket_events:write" and [unit.id for unit in row.units] == [world.unit.id]


def test_a_queue_machine_token_covers_its_own_unit_only(world, build):
    other = build.unit(slug="lain2", name="Unit Lain 2")
    with pytest.raises(DomainError, match="ticket_events:write"):
        create_api_token(world.unit, "Mesin", ["ticket_events:write"], [world.unit, other])
    with pytest.raises(DomainError):
        create_api_token(world.unit, "Tanpa hak", [], [world.unit])
    with pytest.raises(DomainError):
        create_api_token(world.unit, "Aneh", ["admin:all"], [world.unit])
