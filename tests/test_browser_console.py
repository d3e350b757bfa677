"""Acceptance: a staff member drives the counter console on a tablet with JavaScript off (sign in → issue → call →
start → finish), and the citizen scans the ticket's QR on a phone and answers the survey for that employee."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import SurveyResponse, Ticket
from tests.browser_fixtures import browser, live_server, phone, tablet  # noqa: F401  (fixtures)
from tests.helpers import PASSWORD, need_tool, run_checked

pytestmark = pytest.mark.browser

BIG_BUTTON_PX = 56  # 3.5rem at the default 16px


def test_console_path_ends_in_a_ticket_survey_answered_on_a_phone(app, build, clock, live_server, browser, tmp_path):
    unit = build.unit(name="Disdukcapil Kota Bogor", slug="kota-bogor")
    ktp = build.service_type(unit, name="KTP-el")
    build.counter(unit, public_code="BGR01", name="Loket 1 – KTP-el", service_types=[ktp])
    employee = build.employee(unit, name="Dewi Lestari")
    build.user("petugas.bogor", {"staff"}, unit=unit, employee=employee)
    db.session.commit()

    desk = tablet(browser).new_page()
    desk.goto(f"{live_server}/masuk?next=/loket/")
    desk.get_by_label("Nama pengguna").fill("petugas.bogor")
    desk.get_by_label("Kata sandi").fill(PASSWORD)
    desk.get_by_role("button", name="Masuk", exact=True).click()
    desk.wait_for_url("**/loket/")

    desk.get_by_role("button", name="Loket 1 – KTP-el (BGR01)").click()
    desk.wait_for_url("**/loket/BGR01")
    assert desk.get_by_text("Anda bertugas di loket ini sejak").is_visible()

    desk.get_by_role("button", name="Ambil nomor: KTP-el").click()
    assert desk.get_by_text("Nomor 001 untuk KTP-el sudah masuk antrean.").is_visible()
    clock.advance(timedelta(minutes=4))
    desk.get_by_role("button", name="Panggil berikutnya (1 menunggu)").click()
    assert desk.locator("#current-number").inner_text() == "001"
    clock.advance(timedelta(minutes=1))
    start = desk.get_by_role("button", name="Mulai layani")
    assert start.bounding_box()["height"] >= BIG_BUTTON_PX  # a finger-sized target on the tablet
    start.click()
    assert desk.get_by_role("heading", name="Sedang dilayani").is_visible()
    clock.advance(timedelta(minutes=9))
    desk.get_by_role("button", name="Selesai").click()

    assert desk.locator("#finished-number").inner_text() == "001"
    survey_url = desk.locator("#survey-url").inner_text()
    assert survey_url.startswith(f"{live_server}/s/t/")
    desk.screenshot(path=str(tmp_path / "console.png"), full_page=True)
    # The QR on screen is what the citizen scans: it must decode to the same URL.
    desk.locator(".qr").screenshot(path=str(tmp_path / "qr.png"))
    assert run_checked([need_tool("zbarimg"), "--quiet", "--raw", str(tmp_path / "qr.png")]).strip() == survey_url

    citizen = phone(browser).new_page()
    citizen.goto(survey_url)
    assert citizen.get_by_text("Petugas: Dewi Lestari").is_visible()
    for index, label in enumerate(
        [
            "Sesuai",
            "Mudah",
            "Sangat cepat",
            "Gratis",
            "Sesuai",
            "Kompeten",
            "Sangat sopan dan ramah",
            "Baik",
            "Berfungsi kurang maksimal",
        ]
    ):
        citizen.locator("fieldset").nth(index).get_by_text(label, exact=True).click()
    citizen.get_by_role("button", name="Kirim jawaban").click()
    citizen.wait_for_url("**/terima-kasih?r=*")
    assert "Terima kasih!" in citizen.content()

    db.session.expire_all()
    [ticket] = db.session.scalars(select(Ticket)).all()
    [answer] = db.session.scalars(select(SurveyResponse)).all()
    assert (answer.status, answer.attribution_source, answer.channel) == ("valid", "ticket", "ticket_qr")
    assert (answer.employee_id, answer.ticket_id) == (employee.id, ticket.id)
    assert answer.answers == {"U1": 3, "U2": 3, "U3": 4, "U4": 4, "U5": 3, "U6": 3, "U7": 4, "U8": 3, "U9": 3}
    assert ticket.finished_at - ticket.called_at == timedelta(minutes=10)
