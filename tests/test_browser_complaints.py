"""Issue 13 end to end in Debian's Chromium: a citizen answers, files a complaint and follows it by code; the unit
answers it; the head publishes the run and the public page shows the new index. Every page passes axe-core and
fits a 360 px phone; screenshots go to tests/artifacts/."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from feedback_app.clock import clock as app_clock
from feedback_app.extensions import db
from feedback_app.identifiers import format_tracking_code
from feedback_app.models import Complaint
from feedback_app.services.score_runs import compute_score_run
from feedback_app.services.tokens import counter_survey_url
from scoring import parse_period
from tests.axe import assert_accessible
from tests.browser_fixtures import browser, live_server, phone, tablet  # noqa: F401  (fixtures)
from tests.helpers import PASSWORD
from tests.test_browser_phone_width import measuring_phone, overflow

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def _check(page, browser, name: str) -> None:
    """axe-core finds nothing serious, nothing sticks out of a 360 px phone, and a screenshot is kept."""
    assert_accessible(page)
    measured = measuring_phone(browser)
    measured.add_cookies(page.context.cookies())
    other = measured.new_page()
    other.goto(page.url)
    assert overflow(other) == [], f"{name} overflows 360 px"
    measured.close()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _log_in(page, base: str, login: str) -> None:
    page.goto(f"{base}/masuk")
    page.get_by_label("Nama pengguna").fill(login)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()


def test_a_complaint_from_answer_to_settlement_and_the_published_index(app, build, live_server, browser):
    unit = build.unit(slug="dukcapil-peramban", name="Disdukcapil Peramban")
    counter = build.counter(unit, public_code="PRB01", name="Loket 1 – KTP-el")
    employee = build.employee(unit, name="Dewi Lestari")
    handler = build.user("pengaduan.peramban", {"complaints"}, unit=unit)
    head = build.user("kepala.peramban", {"head"}, unit=unit)
    app_clock.set(datetime(2026, 9, 29, 2, 0, tzinfo=UTC))  # Tuesday 09:00 WIB, in Triwulan III
    build.duty(counter, employee, source="sign_in", ends_at=None)
    db.session.commit()

    citizen = phone(browser).new_page()
    citizen.goto(counter_survey_url(counter))
    for index in range(9):
        citizen.locator("fieldset").nth(index).locator("label").nth(1).click()  # every answer 2
    citizen.get_by_label("Saran dan masukan (boleh dikosongkan)").fill("Antrean lama dan petugas kurang ramah.")
    citizen.get_by_role("button", name="Kirim jawaban").click()
    citizen.wait_for_url("**/terima-kasih?r=*")
    _check(citizen, browser, "13-thanks")
    citizen.get_by_role("link", name="Sampaikan pengaduan").click()
    assert citizen.get_by_label("Apa yang terjadi, atau apa yang Anda tanyakan?").input_value().startswith("Antrean")
    _check(citizen, browser, "13-complaint-form")
    citizen.get_by_label("Nomor HP atau e-mail untuk jawaban (boleh dikosongkan)").fill("warga@contoh.id")
    citizen.get_by_role("button", name="Kirim").click()
    citizen.wait_for_url("**/pengaduan/*?baru=1")
    complaint = db.session.scalar(select(Complaint))
    code = format_tracking_code(complaint.tracking_code)
    assert code in citizen.content() and "warga@contoh.id" not in citizen.content()
    _check(citizen, browser, "13-complaint-filed")

    # Later, from another phone: follow it by code, typed in lower case.
    follower = phone(browser).new_page()
    follower.goto(f"{live_server}/pengaduan")
    follower.get_by_label("Kode pelacakan").fill(code.lower())
    follower.get_by_role("button", name="Lihat status").click()
    assert "Diterima" in follower.content()
    typo = code[:-1] + ("A" if code[-1] != "A" else "B")
    follower.goto(f"{live_server}/pengaduan?kode={typo}")
    assert "salah ketik" in follower.content()
    _check(follower, browser, "13-lookup-typo")

    desk = tablet(browser).new_page()
    _log_in(desk, live_server, handler.login)
    desk.goto(f"{live_server}/meja-pengaduan/")
    _check(desk, browser, "13-desk")
    desk.get_by_role("link", name=code).click()
    assert "warga@contoh.id" in desk.content()
    desk.get_by_role("button", name="Verifikasi").click()
    desk.get_by_label("Jawaban untuk warga").fill("Mohon maaf. Kami menambah petugas pada jam sibuk.")
    desk.get_by_role("button", name="Kirim jawaban").click()
    assert "Dijawab" in desk.content()
    _check(desk, browser, "13-desk-answered")

    follower.goto(f"{live_server}/pengaduan/{complaint.tracking_code}")
    assert "Kami menambah petugas pada jam sibuk." in follower.content()
    _check(follower, browser, "13-status-answered")

    # The quarter ends; its run is computed; the head publishes it; the public page shows the new index.
    app_clock.set(datetime(2026, 10, 5, 2, 0, tzinfo=UTC))
    public = phone(browser).new_page()
    public.goto(f"{live_server}/u/dukcapil-peramban")
    assert "Belum ada hasil SKM" in public.content()
    compute_score_run(unit, parse_period("2026-Q3"), "test")
    db.session.commit()
    office = tablet(browser).new_page()
    _log_in(office, live_server, head.login)
    office.goto(f"{live_server}/admin/unit/dukcapil-peramban/publikasi")
    _check(office, browser, "13-publishing")
    office.get_by_label("Rencana tindak lanjut (boleh dikosongkan)").fill("Menambah petugas pada jam sibuk.")
    office.get_by_role("button", name="Terbitkan 2026-Q3").click()
    assert "Hasil SKM diterbitkan" in office.content()
    public.reload()
    text = public.content()
    assert "IKM 50.00" in text and "Triwulan III 2026" in text and "Menambah petugas pada jam sibuk." in text
    assert "Antrean lama" not in text and "warga@contoh.id" not in text
    _check(public, browser, "13-public-unit")
