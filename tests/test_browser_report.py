"""Acceptance (issue 14 items 3 and 4): an admin types two paper sheets with the keyboard only, on a 360 px phone and
on a desktop, and the printable SKM report shows them; axe-core clean; the report prints to A4."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import SurveyResponse
from feedback_app.services.score_runs import compute_score_run
from scoring import parse_period
from tests.axe import assert_accessible
from tests.browser_fixtures import browser, live_server, phone  # noqa: F401  (fixtures)
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
Q4 = parse_period("2026-Q4")


def _log_in(page, base: str, next_path: str) -> None:
    page.goto(f"{base}/masuk?next={next_path}")
    page.get_by_label("Nama pengguna").fill("admin.bogor")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{next_path}")


def _two_sheets_by_keyboard(page, shot: str, before: int) -> None:
    """Sheet one: nine digits and Enter. Sheet two: nine digits, Shift+Tab back to the counter (kept for the next
    sheets) and pick it with the arrow key, Tab past the answers to the sex and pick the first, Tab on to the button
    and press Enter. No mouse, no script."""
    page.wait_for_selector("#answers:focus")  # autofocus: the cursor is in the answers when the page opens
    page.keyboard.type("343344343")
    with page.expect_navigation(url="**/kuesioner-kertas?*"):
        page.keyboard.press("Enter")
    assert f"Lembar tersimpan untuk 2026-10-14: {before + 1}" in page.content()
    page.wait_for_selector("#answers:focus")
    page.keyboard.type("4 4 4 4 4 4 4 4 4")
    page.keyboard.press("Shift+Tab")  # the counter, just before the answers
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")  # the answers again
    page.keyboard.press("Tab")  # respondent sex
    page.keyboard.press("ArrowDown")
    for _field in range(5):  # age, education, occupation, service type, then the button
        page.keyboard.press("Tab")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{shot}-before-second.png"), full_page=True)
    with page.expect_navigation(url="**/kuesioner-kertas?*"):
        page.keyboard.press("Enter")
    assert f"Lembar tersimpan untuk 2026-10-14: {before + 2}" in page.content()
    page.screenshot(path=str(ARTIFACTS / f"{shot}.png"), full_page=True)


def test_paper_sheets_typed_by_keyboard_reach_the_printable_report(app, build, clock, live_server, browser):
    unit = build.unit(slug="kota-bogor", name="Disdukcapil Kota Bogor")
    counter = build.counter(unit, public_code="BGR01", name="Loket KTP-el")
    build.user("admin.bogor", {"admin"}, unit=unit)
    db.session.commit()

    phone_page = phone(browser).new_page()
    _log_in(phone_page, live_server, "/admin/unit/kota-bogor/kuesioner-kertas")
    assert_accessible(phone_page)
    _two_sheets_by_keyboard(phone_page, "paper-entry-phone", 0)
    phone_page.context.close()  # one window at a time: headless Chromium focuses (and autofocuses) only one

    desktop = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=False).new_page()
    _log_in(desktop, live_server, "/admin/unit/kota-bogor/kuesioner-kertas")
    _two_sheets_by_keyboard(desktop, "paper-entry-desktop", 2)
    assert_accessible(desktop)

    db.session.expire_all()
    sheets = list(db.session.scalars(select(SurveyResponse).where(SurveyResponse.channel == "paper")))
    assert len(sheets) == 4
    assert sorted((s.u1, s.counter_id, s.respondent_sex) for s in sheets) == [
        (3, None, None),
        (3, None, None),
        (4, counter.id, "L"),
        (4, counter.id, "L"),
    ]
    compute_score_run(unit, Q4, "t")
    db.session.commit()

    desktop.goto(f"{live_server}/admin/unit/kota-bogor/laporan-skm/2026-Q4")
    html = desktop.content()
    assert "kuesioner kertas: 4" in html and "IKM = 25 ×" in html and "sementara" in html
    assert re.search(r"IKM = 25 × [0-9.]+ = 93\.06", html)  # 25 × (2 × 31 + 2 × 36) / 4 / 9 = 93.06
    assert_accessible(desktop)
    desktop.screenshot(path=str(ARTIFACTS / "skm-report-desktop.png"), full_page=True)
    pdf = desktop.pdf(format="A4", print_background=True)
    (ARTIFACTS / "skm-report.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF")
    assert re.search(rb"/MediaBox\s*\[\s*0 0 595\.\d* 841\.\d*", pdf) or b"595" in pdf
    desktop.emulate_media(media="print")
    desktop.screenshot(path=str(ARTIFACTS / "skm-report-print.png"), full_page=True)
    assert desktop.locator("nav").is_hidden() and desktop.locator("#tulis").is_hidden()

    desktop.context.close()
    phone_page = phone(browser).new_page()
    _log_in(phone_page, live_server, "/admin/unit/kota-bogor/laporan-skm/2026-Q4")
    phone_page.screenshot(path=str(ARTIFACTS / "skm-report-phone.png"), full_page=True)
    assert_accessible(phone_page)
