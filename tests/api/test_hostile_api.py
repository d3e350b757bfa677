"""The queue-machine API against the inputs schemathesis generates (issue 9.6, found by the full ``make proof``):
each gets a clear 4xx in the machine's language, never a 500 (the app fixture fails any test that sees a 5xx)."""

from __future__ import annotations

import json

import pytest

from tests.api.helpers import event

SURROGATE_MESSAGE = "Teks memuat kode Unicode yang tidak sah (surrogate U+D800–U+DFFF tanpa pasangan)."


def send(client, world, body: str, *, lang: str = ""):
    return client.post(
        "/api/v1/ticket-events" + lang,
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {world.token}"},
    )


@pytest.mark.parametrize("field", ["counter", "service_type", "external_id", "employee_nip"])
def test_a_lone_surrogate_in_an_event_is_a_422_naming_its_field(client, world, field):
    # JSON's "\ud800" parses to a str no database driver can encode: it reached the counter lookup as a 500.
    item = json.dumps(dict(event(world, "A001", "issued", 0), **{field: "BGR\ud800"}))
    response = send(client, world, item)
    assert response.status_code == 422
    assert response.get_json()["field"] == field
    assert response.get_json()["errors"] == {field: [SURROGATE_MESSAGE]}
    batch = send(client, world, '{"events": [' + item + "]}", lang="?lang=en")
    assert batch.status_code == 422 and batch.get_json()["field"] == f"events.0.{field}"
    english = "The text holds an invalid Unicode code (an unpaired surrogate, U+D800–U+DFFF)."
    assert batch.get_json()["message"] == english


def test_a_lone_surrogate_in_a_key_is_refused(client, world):
    response = send(client, world, '{"events": [{"\\udfff": 1}]}')
    assert response.status_code == 422 and response.get_json()["field"] == "events.0"


def test_a_surrogate_pair_is_ordinary_text(client, world):
    # An emoji written as an escaped pair is one valid code point: an unknown counter, not an encoding error.
    response = send(client, world, json.dumps(dict(event(world, "A001", "issued", 0), counter="\U0001f600")))
    assert response.status_code == 422 and response.get_json()["field"] == "counter"


ODD = {
    "year 1 with a +23:59 offset": {"at": "0001-01-01T00:00:00+23:59"},
    "year 9999 with a -23:59 offset": {"at": "9999-12-31T23:59:59-23:59"},
    "30 February": {"at": "2026-02-30T00:00:00Z"},
    "a leap second": {"at": "2026-10-14T23:59:60+07:00"},
    "a number for the time": {"at": 10**30},
    "true for the time": {"at": True},
    "an id beyond int64": {"employee_id": 99999999999999999999999},
    "a 13-character counter": {"counter": "B" * 13},
    "a right-to-left mark": {"counter": "\u202eBGR01"},
}


@pytest.mark.parametrize("change", list(ODD.values()), ids=list(ODD))
def test_odd_values_are_a_422_naming_the_field(client, world, change):
    response = send(client, world, json.dumps(dict(event(world, "A001", "issued", 0), **change)))
    assert response.status_code == 422
    assert response.get_json()["field"] == next(iter(change))


@pytest.mark.parametrize(
    "body",
    ['{"events": []}', '{"events": [1e400, -1e400, 123456789012345678901234567890, null, [], {}]}', '"x"', "[]"],
)
def test_odd_envelopes_are_refused_or_answered_item_by_item(client, world, body):
    assert send(client, world, body).status_code in (200, 400, 422)


def test_a_batch_of_one_event_a_thousand_times_stores_it_once(client, world):
    response = send(client, world, json.dumps({"events": [event(world, "A001", "issued", 0)] * 1000}))
    assert response.status_code == 200
    assert (response.get_json()["stored"], response.get_json()["already_stored"]) == (1, 999)
