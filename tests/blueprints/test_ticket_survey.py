"""The ticket's QR code: scanned after the visit, answered once, attributed to the employee who served it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import SurveyResponse, Ticket
from feedback_app.services import survey as survey_service
from feedback_app.services.qr import qr_png
from feedback_app.services.tickets import TicketEventInput, record_ticket_events
from feedback_app.services.tokens import counter_survey_url, ticket_survey_url
from tests.api.helpers import make_world
from tests.helpers import hidden_fields, need_tool, run_checked

ALL_GOOD = {f"u{i}": "4" for i in range(1, 10)}


@pytest.fixture
def world(build, clock):
    return make_world(build, clock)


def events(world, external_id: str, kinds: list[tuple[str, float, str | None]]) -> Ticket:
    items = [
        TicketEventInput(external_id, "BGR01", "KTP-el", kind, world.base + timedelta(minutes=minute), employee_nip=nip)
        for kind, minute, nip in kinds
    ]
    results = record_ticket_events(world.unit, items, world.base + timedelta(hours=1))
    assert all(result.ok for result in results), results
    db.session.commit()
    return results[0].ticket


def served_ticket(world, external_id: str = "2026-10-14-A012") -> Ticket:
    return events(
        world,
        external_id,
        [
            ("issued", 0, None),
            ("called", 5, world.siti.nip),
            ("started", 6, world.budi.nip),
            ("finished", 20, world.budi.nip),
        ],
    )


def path_of(ticket: Ticket) -> str:
    return ticket_survey_url(ticket).removeprefix("http://survey.test")


def answer(client, path: str, **extra):
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return client.post(path, data={**hidden_fields(page.get_data(as_text=True)), **ALL_GOOD, **extra})


def responses() -> list[SurveyResponse]:
    db.session.expire_all()
    return list(db.session.scalars(select(SurveyResponse).order_by(SurveyResponse.id)))


def test_the_printed_qr_decodes_to_a_survey_attributed_to_the_serving_employee(client, world, tmp_path):
    ticket = served_ticket(world)
    image = tmp_path / "tiket.png"
    image.write_bytes(qr_png(ticket_survey_url(ticket)))
    url = run_checked([need_tool("zbarimg"), "--quiet", "--raw", str(image)]).strip()
    assert url == ticket_survey_url(ticket) and url.startswith("http://survey.test/s/t/")

    path = url.removeprefix("http://survey.test")
    page = client.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Petugas: Budi Santoso" in html
    assert 'name="service_type"' not in html  # the ticket knows its service type
    response = client.post(path, data={**hidden_fields(html), **ALL_GOOD, "u7": "3", "comment": "Cepat"})
    assert response.status_code == 303
    assert "Terima kasih" in client.get(response.headers["Location"]).get_data(as_text=True)
    [row] = responses()
    assert (row.ticket_id, row.channel, row.attribution_source) == (ticket.id, "ticket_qr", "ticket")
    assert (row.employee_id, row.counter_id, row.service_type_id) == (world.budi.id, world.counter.id, world.ktp.id)
    assert row.counted_at == world.base + timedelta(minutes=20)  # the period of the ticket's finish (spec §2.1)
    assert row.status == "valid" and row.u7 == 3 and row.comment == "Cepat"


def test_a_second_answer_is_refused_and_stores_nothing(app, client, world):
    ticket = served_ticket(world)
    path = path_of(ticket)
    assert answer(client, path).status_code == 303
    # Another phone (or the same one later) scans the same ticket.
    again = app.test_client().get(path)
    assert again.status_code == 200 and "Survei tiket ini sudah diisi" in again.get_data(as_text=True)
    assert len(responses()) == 1


def test_two_forms_open_at_once_give_one_answer(app, world):
    ticket = served_ticket(world)
    path = path_of(ticket)
    first, second = app.test_client(), app.test_client()
    forms = [hidden_fields(c.get(path).get_data(as_text=True)) for c in (first, second)]
    assert first.post(path, data={**forms[0], **ALL_GOOD}).status_code == 303
    refused = second.post(path, data={**forms[1], **ALL_GOOD, "u1": "1"})
    assert refused.status_code == 409 and "sudah diisi" in refused.get_data(as_text=True)
    assert [row.u1 for row in responses()] == [4]


def test_a_race_decided_by_the_unique_ticket_constraint_is_already_answered(app, world, monkeypatch):
    """Both submissions passed the check before either was stored: the database's UNIQUE(ticket_id) decides."""
    ticket = served_ticket(world)
    path = path_of(ticket)
    first, second = app.test_client(), app.test_client()
    forms = [hidden_fields(c.get(path).get_data(as_text=True)) for c in (first, second)]
    assert first.post(path, data={**forms[0], **ALL_GOOD}).status_code == 303
    real = survey_service._answer_for_ticket
    calls = []

    def not_yet_visible(ticket_id):
        calls.append(ticket_id)
        return None if len(calls) == 1 else real(ticket_id)

    monkeypatch.setattr(survey_service, "_answer_for_ticket", not_yet_visible)
    monkeypatch.setattr("feedback_app.blueprints.survey.ticket_answered", lambda ticket_id: False)
    refused = second.post(path, data={**forms[1], **ALL_GOOD})
    assert refused.status_code == 409 and len(calls) == 2
    assert len(responses()) == 1


def test_a_resent_form_stores_nothing_new_and_says_the_answer_is_in(client, world):
    path = path_of(served_ticket(world))
    form = {**hidden_fields(client.get(path).get_data(as_text=True)), **ALL_GOOD}
    assert client.post(path, data=form).status_code == 303
    resent = client.post(path, data=form)  # the browser's "send the form again?"
    assert resent.status_code == 409 and "sudah kami terima" in resent.get_data(as_text=True)
    assert len(responses()) == 1


def test_a_ticket_not_yet_finished_asks_to_answer_after_the_service(client, world):
    ticket = events(world, "W1", [("issued", 0, None), ("called", 5, world.siti.nip)])
    path = path_of(ticket)
    page = client.get(path)
    assert page.status_code == 200
    assert "Silakan isi survei setelah Anda selesai dilayani" in page.get_data(as_text=True)
    assert client.post(path, data=ALL_GOOD).status_code == 200
    assert responses() == []
    # Once finished, the same QR opens the survey.
    events(world, "W1", [("finished", 15, world.siti.nip)])
    assert answer(client, path).status_code == 303
    assert responses()[0].employee_id == world.siti.id


def test_a_no_show_ticket_cannot_be_answered(client, world):
    path = path_of(events(world, "NS", [("issued", 0, None), ("called", 5, None), ("no_show", 10, None)]))
    assert "selesai dilayani" in client.get(path).get_data(as_text=True)
    assert responses() == []


def test_an_expired_qr_gets_a_clear_page(client, world, clock):
    ticket = served_ticket(world)
    path = path_of(ticket)
    clock.set(world.base + timedelta(days=7, minutes=1))
    page = client.get(path)
    assert page.status_code == 410
    html = page.get_data(as_text=True)
    assert "Kode QR tiket sudah kedaluwarsa" in html and "7 hari" in html
    assert client.post(path, data=ALL_GOOD).status_code == 410
    assert responses() == []


def test_a_tampered_qr_gets_a_clear_page(client, world):
    path = path_of(served_ticket(world))
    payload, stamp, signature = path.rsplit("/", 1)[1].split(".")
    for forged in (
        f"/s/t/MTIzNA.{stamp}.{signature}",
        path[:-2] + ("xx" if not path.endswith("xx") else "yy"),
        "/s/t/bukan-token",
    ):
        page = client.get(forged)
        assert page.status_code == 404, forged
        assert "Kode QR tiket tidak dikenal" in page.get_data(as_text=True)


def test_without_a_serving_employee_the_answer_goes_to_whoever_was_on_duty(client, world, build):
    build.duty(world.counter, world.siti, source="roster", starts_at=world.base - timedelta(hours=1), hours=8)
    db.session.commit()
    ticket = events(world, "D1", [("issued", 0, None), ("finished", 10, None)])
    assert answer(client, path_of(ticket)).status_code == 303
    [row] = responses()
    assert (row.attribution_source, row.employee_id, row.ticket_id) == ("roster", world.siti.id, ticket.id)


def test_a_counter_whose_code_is_t_keeps_its_poster_survey(client, world, build):
    counter = build.counter(world.unit, public_code="T")
    db.session.commit()
    path = counter_survey_url(counter).removeprefix("http://survey.test")
    assert path.startswith("/s/T/")
    page = client.get(path)
    assert page.status_code == 200 and counter.name in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 0


def test_reopening_an_answered_ticket_says_it_was_rated_and_not_that_an_answer_was_refused(app, client, world):
    path = path_of(served_ticket(world))
    assert answer(client, path).status_code == 303
    html = app.test_client().get(path).get_data(as_text=True)
    assert "Tiket ini sudah dinilai" in html
    assert "tidak disimpan" not in html  # nothing was sent, so nothing was refused
    refused = app.test_client().post(path, data={**ALL_GOOD, "submission_key": "a" * 32})
    assert refused.status_code == 409 and "tidak disimpan lagi" in refused.get_data(as_text=True)
