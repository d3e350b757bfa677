"""Acceptance: HR opens the export page on a phone, downloads the indicators, follows a bukti dukung link from the
printable summary, and the summary prints on A4 (Chromium's PDF)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.axe import assert_accessible
from tests.browser_fixtures import browser, live_server, phone  # noqa: F401  (fixtures)
from tests.export_world import PERIOD, export_office
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def test_hr_downloads_indicators_and_prints_an_appraisal_summary(app, build, clock, live_server, browser):
    world = export_office(build)
    page = phone(browser).new_page()
    page.goto(f"{live_server}/masuk?next=/sdm/")
    page.get_by_label("Nama pengguna").fill("hr-uji")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()
    page.wait_for_url("**/sdm/")
    page.get_by_role("link", name="Ekspor indikator, respons, ringkasan penilaian dan lembar e-Kinerja").click()
    page.get_by_label("Periode").fill(PERIOD)
    page.get_by_role("button", name="Tampilkan").click()
    page.wait_for_url(f"**/sdm/ekspor?periode={PERIOD}")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "hr-exports.png"), full_page=True)
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("listitem").filter(has_text="Indikator pegawai").get_by_role("link", name="XLSX").click()
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    nips = [row[3].value for row in book["Indikator"].iter_rows(min_row=2)]
    assert world.ani.nip in nips
    page.get_by_role("link", name="Ringkasan Ani").click()
    page.wait_for_url(f"**/sdm/pegawai/{world.ani.id}/{PERIOD}/ringkasan")
    assert page.get_by_text("Pejabat penilai kinerja").is_visible()
    page.screenshot(path=str(ARTIFACTS / "hr-appraisal-summary.png"), full_page=True)
    assert_accessible(page)
    page.emulate_media(media="print")
    assert not page.locator("nav").is_visible()  # the print CSS hides the navigation
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    page.emulate_media(media="screen")
    page.get_by_role("link", name="Indeks kepuasan pelaksana (IKP)").click()
    assert page.get_by_text("Rumus").is_visible()
    page.screenshot(path=str(ARTIFACTS / "hr-indicator.png"), full_page=True)
    assert_accessible(page)
