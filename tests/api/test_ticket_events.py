"""POST /api/v1/ticket-events as a queue machine sees it: auth first, per-event results, idempotent, order-free."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import ApiToken, Ticket, TicketEvent
from feedback_app.services.api_tokens import revoke_api_token
from tests.api.helpers import event, lifecycle, table_snapshot
from tests.helpers import counting_queries


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- authentication ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer sw_not-a-real-token"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic YWRtaW46YWRtaW4="},
        {"Authorization": "sw_token-without-scheme"},
    ],
)
@pytest.mark.parametrize("body", [b"\x00\xff garbage {", b'{"events": [1, 2, 3]}', b"[]", b""])
def test_no_or_a_wrong_token_is_401_json_whatever_the_body(client, world, headers, body):
    response = client.post("/api/v1/ticket-events", data=body, headers={**headers, "Content-Type": "application/json"})
    assert response.status_code == 401
    assert response.is_json and response.get_json()["code"] == 401
    assert response.get_json()["message"] == "Token API tidak ada, tidak dikenal atau sudah dicabut."
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert count(TicketEvent) == 0


def test_a_revoked_token_is_401(client, world, post):
    assert post(event(world, "A1", "issued", 0)).status_code == 200
    row = db.session.scalar(select(ApiToken).where(ApiToken.unit_id == world.unit.id))
    revoke_api_token(row)
    db.session.commit()
    response = post(event(world, "A2", "issued", 0))
    assert response.status_code == 401 and response.is_json
    assert count(Ticket) == 1


def test_a_token_touches_only_its_own_unit(client, world, post):
    # The other unit's token naming this unit's counter: forbidden, nothing stored.
    response = post(event(world, "X1", "issued", 0), token=world.other_token)
    assert response.status_code == 403
    assert response.get_json()["field"] == "counter"
    batch = post(
        {"events": [event(world, "X1", "issued", 0, counter="KSI01"), event(world, "X2", "issued", 0)]},
        token=world.other_token,
    )
    assert batch.status_code == 200
    results = batch.get_json()["results"]
    assert (results[0]["status"], results[1]["status"], results[1]["code"]) == ("stored", "error", 403)
    assert db.session.scalars(select(Ticket.unit_id)).all() == [world.other.id]
    # Reading: the other unit's ticket is not found with this unit's token.
    headers = {"Authorization": f"Bearer {world.token}"}
    assert client.get("/api/v1/tickets/X1", headers=headers).status_code == 404


# --- one event --------------------------------------------------------------------------------------------------------


def test_one_issued_event_answers_with_the_ticket_and_its_survey_url(world, post):
    response = post(event(world, "2026-10-14-A012", "issued", 0))
    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["index"], body["external_id"], body["event"]) == (
        "stored",
        0,
        "2026-10-14-A012",
        "issued",
    )
    ticket = body["ticket"]
    assert ticket["external_id"] == "2026-10-14-A012" and ticket["counter"] == "BGR01"
    assert ticket["service_type"] == "KTP-el" and ticket["outcome"] == "waiting"
    assert ticket["issued_at"] == world.base.isoformat()
    assert ticket["survey_url"].startswith("http://survey.test/s/t/")
    # Sent again (a retry after a timeout): nothing new, the same answer apart from the status.
    again = post(event(world, "2026-10-14-A012", "issued", 0))
    assert again.status_code == 200
    assert again.get_json() == {**body, "status": "already_stored"}
    assert count(TicketEvent) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"counter": "NOPE9"}, "counter"),
        ({"service_type": "Paspor"}, "service_type"),
        ({"employee_nip": "196001011990031099"}, "employee_nip"),
        ({"employee_nip": "12345"}, "employee_nip"),
        ({"employee_nip": "198801012012011003"}, "employee_nip"),  # a real NIP, but of the other unit's staff
        ({"event": "opened"}, "event"),
        ({"at": "1969-12-31T23:59:59+07:00"}, "at"),  # a broken machine clock
        ({"at": "9999-12-31T23:59:59-12:00"}, "at"),  # overflows when converted to UTC
        ({"at": "kemarin"}, "at"),
        ({"at": "2026-10-14T09:30:00"}, "at"),  # no zone
        ({"external_id": "a/b"}, "external_id"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_one_invalid_event_is_422_naming_the_field(world, post, change, field):
    response = post({**event(world, "B1", "issued", 0), **change})
    assert response.status_code == 422
    body = response.get_json()
    assert (body["code"], body["field"]) == (422, field)
    assert body["message"] and body["errors"][field]
    assert count(Ticket) == 0


def test_a_missing_field_is_named(world, post):
    item = event(world, "B2", "issued", 0)
    del item["service_type"]
    body = post(item).get_json()
    assert body["field"] == "service_type" and body["message"] == "Wajib diisi."


# --- batches ----------------------------------------------------------------------------------------------------------


def test_the_same_batch_twice_leaves_the_database_unchanged(world, post, clock):
    batch = {
        "events": [
            *lifecycle(world, "C1", nip=world.siti.nip),
            *lifecycle(world, "C2", start=2),
            event(world, "C3", "issued", 5),
            event(world, "C3", "no_show", 30),
        ]
    }
    first = post(batch)
    assert first.status_code == 200
    assert first.get_json()["stored"] == 10 and first.get_json()["errors"] == 0
    before = table_snapshot()
    clock.advance(timedelta(seconds=30))
    second = post(batch)
    assert second.status_code == 200
    body = second.get_json()
    assert (body["stored"], body["already_stored"], body["errors"]) == (0, 10, 0)
    assert [r["status"] for r in body["results"]] == ["already_stored"] * 10
    assert table_snapshot() == before
    # Issued results carry the same ticket both times.
    issued = [r for r in first.get_json()["results"] if r["event"] == "issued"]
    assert [r["ticket"] for r in issued] == [r["ticket"] for r in body["results"] if r["event"] == "issued"]
    assert all(r["ticket"] is None for r in body["results"] if r["event"] != "issued")


def test_a_shuffled_batch_gives_the_same_tickets_as_an_ordered_one(world, post):
    def batch(prefix: str) -> list[dict]:
        return [
            *lifecycle(world, f"{prefix}-1", nip=world.siti.nip),
            *lifecycle(world, f"{prefix}-2", start=1),
            event(world, f"{prefix}-2", "returned", 40),
            event(world, f"{prefix}-3", "issued", 2),
            event(world, f"{prefix}-3", "called", 3, employee_nip=world.budi.nip),
            event(world, f"{prefix}-3", "no_show", 9),
        ]

    ordered = batch("ORD")
    shuffled = batch("SHF")
    random.Random(7).shuffle(shuffled)
    assert post({"events": ordered}).get_json()["errors"] == 0
    result = post({"events": shuffled}).get_json()
    assert result["errors"] == 0
    # Results come back in request order.
    assert [(r["external_id"], r["event"]) for r in result["results"]] == [
        (item["external_id"], item["event"]) for item in shuffled
    ]

    def tickets(prefix: str) -> dict:
        db.session.expire_all()
        rows = db.session.scalars(select(Ticket).where(Ticket.external_id.startswith(prefix))).all()
        return {
            row.external_id.split("-", 1)[1]: (
                row.counter_id,
                row.service_type_id,
                row.employee_id,
                row.issued_at,
                row.called_at,
                row.started_at,
                row.finished_at,
                row.outcome,
                row.returned,
            )
            for row in rows
        }

    assert tickets("ORD") == tickets("SHF")
    assert len(tickets("ORD")) == 3


@pytest.mark.parametrize(
    ("earlier", "offending", "field"),
    [
        ([], {"counter": "NOPE9"}, "counter"),
        ([], {"service_type": "Paspor"}, "service_type"),
        ([], {"employee_nip": "196001011990031099"}, "employee_nip"),
        ([], {"event": "opened"}, "event"),
        ([], {"external_id": None}, "external_id"),
        ([], {"at": None}, "at"),
        ([], {"future": True}, "at"),
        ([("issued", 10)], {"event": "called", "minutes": 5}, "at"),  # before issued
        ([("issued", 0), ("finished", 20)], {"event": "called", "minutes": 25}, "at"),  # after finished
        ([("issued", 0), ("finished", 20)], {"event": "no_show", "minutes": 25}, "event"),  # closed again
        ([("issued", 0)], {"event": "called", "minutes": 1, "counter": "BGR02"}, "counter"),
        ([("issued", 0)], {"event": "called", "minutes": 1, "service_type": "KK"}, "service_type"),
    ],
)
def test_each_invalid_item_is_a_422_result_naming_the_field_and_the_rest_is_stored(
    world, post, clock, earlier, offending, field
):
    if earlier:
        assert post({"events": [event(world, "D1", kind, minute) for kind, minute in earlier]}).status_code == 200
    offending = dict(offending)
    kind, minutes = offending.pop("event", "issued"), offending.pop("minutes", 0)
    bad = event(world, "D1" if earlier else "D9", kind, minutes)
    if offending.pop("future", False):
        bad["at"] = (clock.now() + timedelta(minutes=6)).isoformat()
    for key, value in offending.items():
        if value is None:
            del bad[key]
        else:
            bad[key] = value
    good = event(world, "D2", "issued", 0)
    response = post({"events": [good, bad]})
    assert response.status_code == 200
    body = response.get_json()
    [stored, refused] = body["results"]
    assert stored["status"] == "stored" and stored["ticket"]["external_id"] == "D2"
    assert (refused["status"], refused["code"], refused["field"]) == ("error", 422, field)
    assert refused["message"] and refused["index"] == 1 and "ticket" not in refused
    assert (body["stored"], body["errors"]) == (1, 1)


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"events": []}, 422, "events"),
        ({"events": "semua"}, 422, "events"),
        ({"events": [], "extra": 1}, 422, None),
        ([1, 2], 422, None),
        ("just a string", 422, None),
    ],
)
def test_an_invalid_envelope_is_refused_whole(world, post, body, status, field):
    response = post(body)
    assert response.status_code == status and response.is_json
    if field:
        assert response.get_json()["field"] == field
    assert count(TicketEvent) == 0


def test_a_body_that_is_not_json_is_400_json(world, client):
    response = client.post(
        "/api/v1/ticket-events", data="external_id=A1", headers={"Authorization": f"Bearer {world.token}"}
    )
    assert response.status_code == 400 and response.is_json


def test_a_batch_of_1001_is_refused_clearly_and_stores_nothing(world, post):
    response = post({"events": [event(world, f"E{n}", "issued", 0) for n in range(1001)]})
    assert response.status_code == 422
    body = response.get_json()
    assert body["field"] == "events"
    assert body["message"] == "Kirim 1 sampai 1000 kejadian per permintaan; diterima 1001."
    assert count(Ticket) == 0


def test_a_batch_of_1000_is_taken(world, post):
    response = post({"events": [event(world, f"E{n}", "issued", n / 100) for n in range(1000)]})
    assert response.status_code == 200 and response.get_json()["stored"] == 1000
    assert count(Ticket) == 1000


def test_a_request_takes_the_same_number_of_statements_for_20_and_200_events(world, post, clock):
    counts = {}
    for tickets in (5, 50):
        body = {
            "events": [item for n in range(tickets) for item in lifecycle(world, f"Q{tickets}-{n}", nip=world.siti.nip)]
        }
        clock.advance(timedelta(minutes=2))  # the token's last use is written in both requests
        with counting_queries() as statements:
            response = post(body)
        assert response.status_code == 200 and response.get_json()["stored"] == len(body["events"])
        counts[len(body["events"])] = len(statements)
    assert counts[20] == counts[200], counts


# --- JSON everywhere under /api/v1 ------------------------------------------------------------------------------------


def test_unknown_paths_and_methods_under_the_api_answer_json(world, client):
    missing = client.get("/api/v1/tidak-ada")
    assert missing.status_code == 404 and missing.is_json and missing.get_json()["code"] == 404
    wrong = client.get("/api/v1/ticket-events")
    assert wrong.status_code == 405 and wrong.is_json and "POST" in wrong.headers["Allow"]
    # The rest of the site keeps its HTML error pages.
    page = client.get("/tidak-ada")
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_error_messages_are_lists_per_field_as_the_document_says(world, post):
    """Issue 9.9: a 422 gave `errors` as strings ({"counter": "Wajib diisi."}) where the schema says arrays."""
    item = event(world, "A101", "issued", 0)
    del item["counter"]
    single = post(item).get_json()
    assert single["errors"] == {"counter": ["Wajib diisi."]}
    [result] = post({"events": [item]}).get_json()["results"]
    assert result["errors"] == {"counter": ["Wajib diisi."]}
    envelope = post({"events": "x"}).get_json()
    assert envelope["errors"] == {"events": ["Harus berupa daftar kejadian."]}
