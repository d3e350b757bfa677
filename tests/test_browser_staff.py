"""In a phone-sized Chromium: a staff member reads "Kinerja saya" and files a shift appeal; the supervisor decides it.

Screenshots are kept under tests/artifacts/ (git-ignored); every page passes axe-core (no serious or critical
violation).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import Appeal, AuditEvent, SurveyResponse
from tests.axe import assert_accessible
from tests.browser_fixtures import browser, live_server, phone  # noqa: F401  (fixtures)
from tests.helpers import PASSWORD
from tests.staff_world import office

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def _sign_in(page, base: str, login: str) -> None:
    page.goto(f"{base}/masuk")
    page.get_by_label("Nama pengguna").fill(login)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url("**/akun")


def _shot(page, name: str, backend: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"staff-{name}-{backend}.png"), full_page=True)


def test_a_staff_member_reads_their_page_and_appeals_a_shift_the_supervisor_decides(
    app, build, clock, live_server, browser
):
    world = office(build)
    world.answers(25, world.ani, day=1, shift=world.shift, scores={"u3": 2, "u6": 2, "u7": 2}, comment="Lambat")
    world.answers(20, world.ani, day=2, shift=world.other_shift, scores={"u3": 4, "u6": 4, "u7": 4})
    run = world.run()
    backend = db.engine.dialect.name

    context = phone(browser)
    page = context.new_page()
    _sign_in(page, live_server, "ani")
    page.get_by_role("link", name="Kinerja saya").first.click()
    page.goto(f"{live_server}/kinerja/?periode=2026-09")
    assert page.locator("h1").inner_text() == "Kinerja saya"
    assert page.locator("#ikp-headline").inner_text().strip() == f"{world.run_value(run, 'ikp')}"
    page.get_by_text("Bagaimana angka ini dihitung").first.click()  # <details> opens without JavaScript
    assert page.get_by_text("Nilai mentah = 25 × Σ skor").first.is_visible()
    assert page.get_by_text("Lambat").first.is_visible()  # 25 comments: shown, by week
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(page)
    _shot(page, "kinerja", backend)

    page.get_by_role("link", name="Keberatan saya").click()
    row = page.locator("tr", has_text="Sel 1 Sep 2026")
    row.locator("summary").click()  # <details> opens without JavaScript
    row.get_by_label("Saya tidak bertugas").check()
    row.get_by_label("Penjelasan").fill("Saya mengikuti bimtek SIAK hari itu.")
    assert_accessible(page)
    row.get_by_role("button", name="Kirim keberatan").click()
    page.wait_for_url("**/kinerja/keberatan")
    assert page.get_by_text("menunggu keputusan").first.is_visible()
    _shot(page, "keberatan", backend)
    context.close()

    context = phone(browser)
    page = context.new_page()
    _sign_in(page, live_server, "sari")
    page.get_by_role("link", name="Putuskan keberatan").click()
    assert page.get_by_text("Saya mengikuti bimtek SIAK hari itu.").is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Simpan keputusan").click()  # no decision, no reason: the browser refuses
    assert db.session.scalar(select(Appeal.state)) == "open"
    page.get_by_label("Terima").check()
    page.get_by_label("Alasan keputusan").fill("Surat tugas bimtek sudah diperiksa.")
    page.get_by_role("button", name="Simpan keputusan").click()
    page.wait_for_url("**/atasan/keberatan")
    assert page.get_by_text("diterima: Surat tugas bimtek sudah diperiksa.").is_visible()
    _shot(page, "putusan", backend)
    context.close()

    db.session.expire_all()
    assert db.session.scalar(select(Appeal.state)) == "accepted"
    moved = db.session.scalars(select(SurveyResponse).where(SurveyResponse.counter_assignment_id == world.shift.id))
    assert {r.attribution_source for r in moved} == {"none"}
    assert [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))] == [
        "appeal.file",
        "appeal.accept",
    ]


def test_the_account_pages_work_and_pass_axe_on_a_phone(app, build, clock, live_server, browser):
    world = office(build)
    backend = db.engine.dialect.name
    context = phone(browser)
    page = context.new_page()
    _sign_in(page, live_server, "admin-uji")
    for path in ("/admin/unit/uji/topik-pelatihan", "/akun/kata-sandi", "/admin/pengguna"):
        page.goto(live_server + path)
        assert_accessible(page)
    page.locator("tr", has_text="ani").get_by_role("button", name="buat tautan atur ulang").click()
    link = page.locator("#reset-link").inner_text()
    _shot(page, "tautan", backend)
    context.close()

    context = phone(browser)
    page = context.new_page()
    page.goto(link)
    assert_accessible(page)
    page.get_by_label("Kata sandi baru", exact=True).fill("sandi-baru-ani-2026")
    page.get_by_label("Ulangi kata sandi baru").fill("sandi-baru-ani-2026")
    page.get_by_role("button", name="Simpan kata sandi baru").click()
    page.wait_for_url("**/masuk")
    assert page.get_by_text("Kata sandi baru tersimpan.").is_visible()
    context.close()
    db.session.expire_all()
    assert db.session.get(type(world.users["ani"]), world.users["ani"].id).check_password("sandi-baru-ani-2026")
