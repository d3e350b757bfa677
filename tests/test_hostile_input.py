"""Issue 9.6: hostile input gets a clear 400/404/422, never a 500 (the app fixture fails any test that sees a 5xx).

NUL bytes in any text field, query or path segment (PostgreSQL refuses them in text), an integer beyond the
database's range, and JSON nested deeper than any real client sends, on every audience's pages and the API.
"""

from __future__ import annotations

import io
import json

import pytest

from feedback_app.extensions import db
from feedback_app.services.api_tokens import create_api_token
from feedback_app.services.tokens import counter_survey_url
from tests.helpers import hidden_fields, login

NUL = "\x00"
DEEP_JSON = "[" * 100_000 + "]" * 100_000
ALL_GOOD = {f"u{i}": "4" for i in range(1, 10)}


@pytest.fixture
def world(client, build, clock):
    unit = build.unit(slug="kota-bogor")
    counter = build.counter(unit, public_code="BGR01")
    user = build.user("admin-bogor", {"admin", "staff"}, unit=unit, employee=build.employee(unit))
    _row, token = create_api_token(unit, "Mesin antrean")
    db.session.commit()
    return {"survey": counter_survey_url(counter).removeprefix("http://survey.test"), "user": user, "token": token}


def form_of(client, path: str) -> dict[str, str]:
    return hidden_fields(client.get(path).get_data(as_text=True))


def test_nul_in_the_survey_comment_and_code_is_refused(client, world):
    form = form_of(client, world["survey"])
    response = client.post(world["survey"], data={**form, **ALL_GOOD, "comment": f"bagus{NUL}sekali"})
    assert response.status_code == 400
    assert "Data yang dikirim tidak lengkap atau tidak sah" in response.get_data(as_text=True)
    assert client.get(world["survey"].replace("BGR01", "BGR%00")).status_code == 404
    assert client.get(world["survey"] + "?lang=e%00n").status_code == 400
    assert client.post(world["survey"], data={**form, **ALL_GOOD, f"x{NUL}": "1"}).status_code == 400


def test_nul_in_the_login_and_staff_pages_is_refused(client, world):
    form = form_of(client, "/masuk")
    assert client.post("/masuk", data={**form, "login": f"admin{NUL}", "password": "x"}).status_code == 400
    login(client, world["user"])
    console = form_of(client, "/loket/")
    action = {"csrf_token": console["csrf_token"], "key": "0" * 32, "action": "call_next", "ticket": f"A{NUL}"}
    assert client.post("/loket/BGR01/aksi", data=action).status_code == 400
    assert client.get("/loket/BGR01/cetak?tiket=%00").status_code == 400
    assert client.get("/admin/unit/kota%00bogor/jadwal").status_code == 404
    tokens = form_of(client, "/admin/unit/kota-bogor/token-api")
    created = client.post("/admin/unit/kota-bogor/token-api", data={**tokens, "name": f"Mesin{NUL}"})
    assert created.status_code == 400


def test_nul_in_an_uploaded_roster_is_a_listed_error(client, world):
    login(client, world["user"])
    fields = form_of(client, "/admin/unit/kota-bogor/jadwal")
    csv = f"nip,counter,date,start,end\n198503152010011002,BGR{NUL}01,2026-10-14,08:00,15:00\n".encode()
    response = client.post(
        "/admin/unit/kota-bogor/jadwal",
        content_type="multipart/form-data",
        data={"csrf_token": fields["csrf_token"], "file": (io.BytesIO(csv), "jadwal.csv")},
    )
    assert response.status_code == 400
    assert "Berkas ini bukan teks CSV (berisi karakter biner)." in response.get_data(as_text=True)


def test_an_id_beyond_the_integer_range_is_not_found(client, world):
    login(client, world["user"])
    form = form_of(client, "/admin/unit/kota-bogor/token-api")
    response = client.post(
        "/admin/unit/kota-bogor/token-api/cabut", data={"csrf_token": form["csrf_token"], "token_id": "999999999999"}
    )
    assert response.status_code == 302  # back to the page, which says the token was not recognised
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Token yang akan dicabut tidak dikenali." in page


def test_the_api_refuses_nul_and_deep_json_in_json(client, world):
    auth = {"Authorization": f"Bearer {world['token']}"}
    response = client.get("/api/v1/tickets/%00", headers=auth)
    assert response.status_code in (400, 404) and response.is_json
    event = {"external_id": f"A{NUL}1", "counter": "BGR01", "service_type": "x", "event": "issued", "at": "x"}
    for body, field in (({"events": [event]}, "events.0.external_id"), (event, "external_id")):
        response = client.post("/api/v1/ticket-events", json=body, headers=auth)
        assert response.status_code == 422 and response.get_json()["field"] == field
        assert response.get_json()["errors"] == {field: ["Teks tidak boleh memuat karakter NUL (kode 0)."]}
    response = client.post("/api/v1/ticket-events", data=DEEP_JSON, content_type="application/json", headers=auth)
    assert response.status_code == 400 and response.get_json()["code"] == 400


def test_the_api_checks_the_token_before_judging_the_body(client, world):
    response = client.post("/api/v1/ticket-events", data=DEEP_JSON, content_type="application/json")
    assert response.status_code == 401


def test_deep_json_posted_to_the_survey_is_refused(client, world):
    response = client.post(world["survey"], data=DEEP_JSON, content_type="application/json")
    assert response.status_code == 400
    shallow = json.dumps({**ALL_GOOD, "comment": NUL})
    assert client.post(world["survey"], data=shallow, content_type="application/json").status_code == 400
    surrogate = json.dumps({**ALL_GOOD, "comment": "\ud800"})  # "\ud800" in JSON: text no database can store
    assert client.post(world["survey"], data=surrogate, content_type="application/json").status_code == 400
