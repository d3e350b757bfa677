"""GET /api/v1/tickets/{external_id}: a ticket's derived times and the survey URL to (re)print."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import ApiToken
from tests.api.helpers import event, lifecycle


def get(client, world, external_id: str, token: str | None = None):
    return client.get(f"/api/v1/tickets/{external_id}", headers={"Authorization": f"Bearer {token or world.token}"})


def test_a_ticket_reads_back_with_derived_times_and_the_same_survey_url(client, world, post):
    issued = post(event(world, "2026-10-14-A001", "issued", 0)).get_json()
    post({"events": lifecycle(world, "2026-10-14-A001", nip=world.budi.nip)[1:]})
    response = get(client, world, "2026-10-14-A001")
    assert response.status_code == 200
    ticket = response.get_json()
    assert ticket == {
        "external_id": "2026-10-14-A001",
        "counter": "BGR01",
        "service_type": "KTP-el",
        "employee_nip": world.budi.nip,
        "outcome": "finished",
        "returned": False,
        "issued_at": world.base.isoformat(),
        "called_at": (world.base + timedelta(minutes=7)).isoformat(),
        "started_at": (world.base + timedelta(minutes=8)).isoformat(),
        "finished_at": (world.base + timedelta(minutes=21)).isoformat(),
        "survey_url": issued["ticket"]["survey_url"],
    }


def test_unknown_and_other_units_tickets_are_404_json(client, world, post):
    post(event(world, "A2", "issued", 0))
    for external_id, token in (("TIDAK-ADA", world.token), ("A2", world.other_token)):
        response = get(client, world, external_id, token)
        assert response.status_code == 404 and response.is_json
        assert response.get_json()["field"] == "external_id"


def test_reading_needs_a_token(client, world, post):
    post(event(world, "A3", "issued", 0))
    response = client.get("/api/v1/tickets/A3")
    assert response.status_code == 401 and response.is_json


def test_the_tokens_last_use_is_written_at_most_once_a_minute(client, world, clock):
    def last_used():
        db.session.expire_all()
        return db.session.scalar(select(ApiToken.last_used_at).where(ApiToken.unit_id == world.unit.id))

    assert last_used() is None
    get(client, world, "X")
    first = last_used()
    assert first == clock.now()
    clock.advance(timedelta(seconds=59))
    get(client, world, "X")
    assert last_used() == first
    clock.advance(timedelta(seconds=2))
    get(client, world, "X")
    assert last_used() == clock.now()
