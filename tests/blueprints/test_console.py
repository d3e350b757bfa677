"""The counter console pages (``/loket``): buttons as plain POST forms, double clicks, roles and unit scope."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import (
    ConsoleAction,
    CounterAssignment,
    StaffBrowserMark,
    SurveyResponse,
    Ticket,
    TicketEvent,
)
from feedback_app.services.tokens import counter_survey_url, ticket_survey_url
from tests.helpers import hidden_fields, login

ALL_GOOD = {f"u{i}": "4" for i in range(1, 10)}


@pytest.fixture
def desk(build, clock):
    unit = build.unit(name="Disdukcapil Kota Bogor", slug="kota-bogor")
    ktp = build.service_type(unit, name="KTP-el")
    counter = build.counter(unit, public_code="BGR01", name="Loket 1 – KTP-el", service_types=[ktp])
    employee = build.employee(unit, name="Siti Rahmawati")
    user = build.user("petugas", {"staff"}, unit=unit, employee=employee)
    db.session.commit()
    return {"unit": unit, "counter": counter, "employee": employee, "user": user, "ktp": ktp}


@pytest.fixture
def staff(client, desk):
    login(client, desk["user"])
    return client


def forms(html: str, url: str) -> list[dict[str, str]]:
    """The hidden fields of every form posting to ``url``."""
    return [
        hidden_fields(body)
        for body in re.findall(rf'<form[^>]*action="{re.escape(url)}"[^>]*>(.*?)</form>', html, re.S)
    ]


def button(client, page: str, url: str, **match: str) -> dict[str, str]:
    """The fields of the one button on ``page`` posting to ``url`` whose hidden fields include ``match``."""
    html = client.get(page).get_data(as_text=True)
    found = [f for f in forms(html, url) if all(f.get(k) == v for k, v in match.items())]
    assert len(found) == 1, f"expected one {url} button with {match}, found {len(found)}"
    return found[0]


def press(client, url: str, page: str = "/loket/BGR01", **match: str):
    fields = button(client, page, url, **match)
    response = client.post(url, data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def sign_in(client):
    press(client, "/loket/BGR01/masuk", page="/loket/")


def tickets() -> list[Ticket]:
    db.session.expire_all()
    return list(db.session.scalars(select(Ticket).order_by(Ticket.id)))


def event_names() -> list[str]:
    return list(db.session.scalars(select(TicketEvent.event).order_by(TicketEvent.at, TicketEvent.id)))


def test_sign_in_from_the_start_page_opens_the_counters_console(staff, desk):
    html = unescape(staff.get("/loket/").get_data(as_text=True))
    assert "Anda belum masuk ke loket mana pun" in html and "Loket 1 – KTP-el (BGR01)" in html
    response = staff.post("/loket/BGR01/masuk", data=button(staff, "/loket/", "/loket/BGR01/masuk"))
    assert response.headers["Location"] == "/loket/BGR01"
    page = unescape(staff.get("/loket/BGR01").get_data(as_text=True))
    assert "Anda masuk ke Loket 1 – KTP-el." in page
    assert "Anda bertugas di loket ini sejak 09:30 WIB." in page
    assert "Ambil nomor: KTP-el" in page


def test_the_whole_path_issue_call_start_finish_shows_the_survey_qr(staff, desk, clock):
    sign_in(staff)
    press(staff, "/loket/BGR01/ambil-nomor", service_type=str(desk["ktp"].id))
    page = unescape(staff.get("/loket/BGR01").get_data(as_text=True))
    assert "Nomor 001 untuk KTP-el sudah masuk antrean." in page and "Antrean (1)" in page
    [ticket] = tickets()
    assert ticket.external_id == "2026-10-14-BGR01-001"

    clock.advance(timedelta(minutes=3))
    press(staff, "/loket/BGR01/aksi", action="call")
    page = staff.get("/loket/BGR01").get_data(as_text=True)
    assert re.search(r'<p class="number" id="current-number">001</p>', page) and "Dipanggil" in page
    clock.advance(timedelta(minutes=1))
    press(staff, "/loket/BGR01/aksi", action="start", ticket=ticket.external_id)
    assert "Sedang dilayani" in staff.get("/loket/BGR01").get_data(as_text=True)
    clock.advance(timedelta(minutes=8))
    press(staff, "/loket/BGR01/aksi", action="finish", ticket=ticket.external_id)

    page = unescape(staff.get("/loket/BGR01").get_data(as_text=True))
    [ticket] = tickets()
    assert (ticket.outcome, ticket.employee_id) == ("finished", desk["employee"].id)
    assert event_names() == ["issued", "called", "started", "finished"]
    assert '<p class="number" id="finished-number">001</p>' in page
    assert f'<p class="url" id="survey-url">{ticket_survey_url(ticket)}</p>' in page
    assert "<svg" in page and "<script" not in page.lower()
    assert "Tidak ada yang sedang dilayani" in page
    # The print slip carries the same number and QR.
    slip = staff.get(f"/loket/BGR01/cetak?tiket={ticket.external_id}")
    assert slip.status_code == 200
    assert ticket_survey_url(ticket) in slip.get_data(as_text=True) and "<svg" in slip.get_data(as_text=True)


def test_a_double_click_records_one_event(staff, desk, clock):
    sign_in(staff)
    press(staff, "/loket/BGR01/ambil-nomor", service_type=str(desk["ktp"].id))
    fields = button(staff, "/loket/BGR01", "/loket/BGR01/aksi", action="call")
    first = staff.post("/loket/BGR01/aksi", data=fields)
    clock.advance(timedelta(seconds=1))
    second = staff.post("/loket/BGR01/aksi", data=fields)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == "/loket/BGR01"
    assert event_names() == ["issued", "called"]
    # Issuing twice from one form makes one ticket too.
    issue = button(staff, "/loket/BGR01", "/loket/BGR01/ambil-nomor")
    staff.post("/loket/BGR01/ambil-nomor", data=issue)
    staff.post("/loket/BGR01/ambil-nomor", data=issue)
    assert len(tickets()) == 2


def test_sign_in_makes_counter_qr_answers_count_for_the_employee(staff, client, desk, build, clock, app):
    build.duty(desk["counter"], build.employee(name="Di Jadwal"), source="roster")
    db.session.commit()
    sign_in(staff)
    citizen = app.test_client()
    path = counter_survey_url(desk["counter"]).removeprefix("http://survey.test")
    form = citizen.get(path).get_data(as_text=True)
    assert "Petugas: Siti Rahmawati" in form
    assert citizen.post(path, data={**hidden_fields(form), **ALL_GOOD}).status_code == 303
    [answer] = db.session.scalars(select(SurveyResponse)).all()
    assert (answer.attribution_source, answer.employee_id) == ("sign_in", desk["employee"].id)
    # After signing out, the roster is on duty again.
    press(staff, "/loket/keluar", page="/loket/BGR01")
    assert db.session.scalar(select(CounterAssignment.ends_at).where(CounterAssignment.source == "sign_in")) is not None


def test_errors_are_explained_not_raised(staff, desk):
    sign_in(staff)
    # No queue: the call button is not offered, and a crafted call says why.
    page = staff.get("/loket/BGR01").get_data(as_text=True)
    assert "Belum ada yang menunggu" in page
    fields = forms(page, "/loket/BGR01/ambil-nomor")[0] | {"action": "call"}
    response = staff.post("/loket/BGR01/aksi", data=fields)
    assert response.status_code == 302
    assert "Tidak ada yang menunggu di loket ini." in staff.get("/loket/BGR01").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ConsoleAction)) == 1  # the sign-in only


def test_a_form_without_its_idempotency_key_is_a_bad_request(staff, desk):
    sign_in(staff)
    fields = button(staff, "/loket/BGR01", "/loket/keluar")
    fields.pop("key")
    assert staff.post("/loket/keluar", data=fields).status_code == 400


def test_buttons_need_a_sign_in_at_this_counter(staff, desk):
    page = unescape(staff.get("/loket/BGR01").get_data(as_text=True))
    assert "Anda belum masuk ke loket ini." in page and "Masuk ke loket ini" in page
    assert "/loket/BGR01/aksi" not in page and "/loket/BGR01/ambil-nomor" not in page


def test_only_staff_may_open_the_console(client, build, desk):
    admin = build.user("admin", {"admin"}, unit=desk["unit"])
    db.session.commit()
    login(client, admin)
    assert client.get("/loket/").status_code == 403
    assert client.get("/loket/BGR01").status_code == 403


def test_staff_without_an_employee_is_told_so(client, build, desk):
    user = build.user("belum-terhubung", {"staff"}, unit=desk["unit"])
    db.session.commit()
    login(client, user)
    assert "belum terhubung ke data pegawai" in client.get("/loket/").get_data(as_text=True)
    assert client.get("/loket/BGR01").headers["Location"] == "/loket/"


def test_staff_of_another_unit_cannot_use_this_units_counter(client, build, desk, clock):
    other_unit = build.unit(slug="kassi", timezone="Asia/Makassar")
    build.counter(other_unit, public_code="KSK01")
    outsider = build.user("petugas-kassi", {"staff"}, unit=other_unit, employee=build.employee(name="Orang Lain"))
    db.session.commit()
    login(client, outsider)
    assert "BGR01" not in client.get("/loket/").get_data(as_text=True)
    assert client.get("/loket/BGR01").status_code == 403
    token = hidden_fields(client.get("/loket/").get_data(as_text=True))["csrf_token"]
    data = {"csrf_token": token, "key": "a" * 32, "action": "call", "service_type": str(desk["ktp"].id)}
    for path in ("/loket/BGR01/masuk", "/loket/BGR01/ambil-nomor", "/loket/BGR01/aksi"):
        assert client.post(path, data=data).status_code == 403, path
    assert client.get("/loket/BGR01/cetak?tiket=x").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(CounterAssignment)) == 0
    assert tickets() == []


def test_unknown_counter_or_unfinished_ticket_is_not_found(staff, desk):
    sign_in(staff)
    assert staff.get("/loket/NOPE1").status_code == 404
    press(staff, "/loket/BGR01/ambil-nomor", service_type=str(desk["ktp"].id))
    [ticket] = tickets()
    assert staff.get(f"/loket/BGR01/cetak?tiket={ticket.external_id}").status_code == 404


def test_a_colleague_cannot_print_the_survey_slip_of_a_ticket_they_neither_served_nor_sit_at(
    staff, app, build, desk, clock
):
    """Issue 9 item 1: ticket ids are predictable, so the slip (its survey QR) is for the desk's own staff only."""
    colleague = build.user("rekan", {"staff"}, unit=desk["unit"], employee=build.employee(desk["unit"], name="Rekan"))
    build.counter(desk["unit"], public_code="BGR02", service_types=[desk["ktp"]])
    db.session.commit()
    sign_in(staff)
    press(staff, "/loket/BGR01/ambil-nomor", service_type=str(desk["ktp"].id))
    [ticket] = tickets()
    press(staff, "/loket/BGR01/aksi", action="call")
    for action in ("start", "finish"):
        clock.advance(timedelta(minutes=3))
        press(staff, "/loket/BGR01/aksi", action=action, ticket=ticket.external_id)
    slip = f"/loket/BGR01/cetak?tiket={ticket.external_id}"

    other = app.test_client()
    login(other, colleague)
    assert other.get(slip).status_code == 404  # not signed in anywhere
    press(other, "/loket/BGR02/masuk", page="/loket/")
    assert other.get(slip).status_code == 404  # signed in at another counter
    assert ticket_survey_url(ticket) not in other.get("/loket/BGR01").get_data(as_text=True)

    # The one who served it may print it after signing out; whoever sits at the counter now may print it too.
    press(staff, "/loket/keluar", page="/loket/BGR01")
    assert staff.get(slip).status_code == 200
    press(other, "/loket/BGR01/masuk", page="/loket/")
    assert other.get(slip).status_code == 200


def answer_ticket(client, ticket) -> int:
    """A citizen (``client``) opens the ticket's survey QR and answers it: the POST's status code."""
    path = ticket_survey_url(ticket).removeprefix("http://survey.test")
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return client.post(path, data={**hidden_fields(page.get_data(as_text=True)), **ALL_GOOD}).status_code


def test_the_self_rating_script_ends_with_no_valid_answer_for_the_staff_member(staff, app, desk, clock):
    """Issue 9 item 1: issue, call, start and finish 12 tickets in seconds, answer each with a fresh cookie."""
    sign_in(staff)
    for _ in range(12):
        press(staff, "/loket/BGR01/ambil-nomor", service_type=str(desk["ktp"].id))
        ticket = tickets()[-1]
        clock.advance(timedelta(seconds=2))
        press(staff, "/loket/BGR01/aksi", action="call")
        for action in ("start", "finish"):
            clock.advance(timedelta(seconds=2))
            press(staff, "/loket/BGR01/aksi", action=action, ticket=ticket.external_id)
        assert answer_ticket(app.test_client(), tickets()[-1]) == 303  # thanked like anyone: nothing is lost
    answers = list(db.session.scalars(select(SurveyResponse).order_by(SurveyResponse.id)))
    assert len(answers) == 12 and {a.employee_id for a in answers} == {desk["employee"].id}
    assert [a.status for a in answers] == ["flagged"] * 12
    assert {a.flag_reason for a in answers} == {"short_visit"}
    assert answers[0].flag_details["short_visit"] == {"visit_seconds": 6, "minimum_seconds": 120}


def test_a_browser_that_held_a_staff_session_today_rates_as_staff_even_after_logout(staff, app, build, desk, clock):
    """Issue 9 item 1: the staff member's own phone or desk browser answering their unit's surveys is self_rating."""
    sign_in(staff)
    press(staff, "/loket/BGR01/ambil-nomor", service_type=str(desk["ktp"].id))
    [ticket] = tickets()
    press(staff, "/loket/BGR01/aksi", action="call")
    for action in ("start", "finish"):
        clock.advance(timedelta(minutes=5))
        press(staff, "/loket/BGR01/aksi", action=action, ticket=ticket.external_id)
    press(staff, "/loket/keluar", page="/loket/BGR01")
    staff.post("/keluar", data={"csrf_token": hidden_fields(staff.get("/akun").get_data(as_text=True))["csrf_token"]})
    assert staff.get("/loket/").status_code == 302  # logged out

    assert answer_ticket(staff, tickets()[0]) == 303
    poster = counter_survey_url(desk["counter"]).removeprefix("http://survey.test")
    clock.advance(timedelta(hours=3))
    form = hidden_fields(staff.get(poster).get_data(as_text=True))
    assert staff.post(poster, data={**form, **ALL_GOOD}).status_code == 303
    # A citizen's browser the same day, and the staff browser at another unit's counter, are not marked.
    other_unit = build.unit(slug="lain")
    elsewhere = build.counter(other_unit, public_code="LAIN1")
    db.session.commit()
    citizen = app.test_client()
    form = hidden_fields(citizen.get(poster).get_data(as_text=True))
    assert citizen.post(poster, data={**form, **ALL_GOOD}).status_code == 303
    other_poster = counter_survey_url(elsewhere).removeprefix("http://survey.test")
    form = hidden_fields(staff.get(other_poster).get_data(as_text=True))
    assert staff.post(other_poster, data={**form, **ALL_GOOD}).status_code == 303

    answers = list(db.session.scalars(select(SurveyResponse).order_by(SurveyResponse.id)))
    assert [(a.status, a.flag_reason) for a in answers] == [
        ("flagged", "self_rating"),
        ("flagged", "self_rating"),
        ("valid", None),
        ("valid", None),
    ]
    # The next local day the mark no longer applies.
    clock.advance(timedelta(days=1))
    form = hidden_fields(staff.get(poster).get_data(as_text=True))
    assert staff.post(poster, data={**form, **ALL_GOOD}).status_code == 303
    db.session.expire_all()
    assert db.session.scalars(select(SurveyResponse.status).order_by(SurveyResponse.id.desc())).first() == "valid"


def test_only_a_keyed_hmac_of_the_staff_browser_is_stored(staff, desk):
    sign_in(staff)
    cookie = staff.get_cookie("sw_browser")
    assert cookie is not None  # set at login when the browser had none
    marks = db.session.scalars(select(StaffBrowserMark.browser_mark)).all()
    assert len(marks) == 1 and all(len(mark) == 32 for mark in marks)
    from feedback_app.security import _browser_serializer

    with staff.application.test_request_context():
        browser = _browser_serializer().loads(cookie.value)
    assert browser not in marks[0] and cookie.value not in marks[0]


def test_a_staff_session_left_open_overnight_marks_its_browser_again(staff, desk, clock):
    """Issue 9 item 1: "holds a staff session that day" also when the login was yesterday.

    The session ends after 30 idle minutes, so "left open" means used at least every half hour past midnight."""
    poster = counter_survey_url(desk["counter"]).removeprefix("http://survey.test")
    for _ in range(45):  # 09:30 WIB to past midnight, a page every 20 minutes
        clock.advance(timedelta(minutes=20))
        assert staff.get("/loket/").status_code == 200
    form = hidden_fields(staff.get(poster).get_data(as_text=True))  # still logged in: this request marks it
    assert staff.post(poster, data={**form, **ALL_GOOD}).status_code == 303
    [answer] = db.session.scalars(select(SurveyResponse)).all()
    assert (answer.status, answer.flag_reason) == ("flagged", "self_rating")
