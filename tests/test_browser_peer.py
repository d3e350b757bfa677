"""In a phone-sized Chromium: a colleague answers the 360° form; the supervisor reads the anonymous result.

Screenshots are kept under tests/artifacts/ (git-ignored); every page passes axe-core (no serious or critical
violation) and fits 360 px.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import PeerAnswer
from feedback_app.services.score_runs import compute_score_run
from tests.axe import assert_accessible
from tests.browser_fixtures import browser, live_server, phone  # noqa: F401  (fixtures)
from tests.helpers import PASSWORD
from tests.peer_world import Q4, team

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
    page.screenshot(path=str(ARTIFACTS / f"peer-{name}-{backend}.png"), full_page=True)


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_colleague_answers_on_a_phone_and_the_supervisor_reads_the_result(app, build, clock, live_server, browser):
    world = team(build)
    compute_score_run(world.unit, Q4, "test")
    peer_round = world.open()
    world.answer(world.raters[1], peer_round, "sesuai", does_well="Sabar menjelaskan persyaratan kepada lansia.")
    world.answer(world.raters[2], peer_round, "di_atas", could_improve="Berbagi cara cepat memakai SIAK.")
    backend = db.engine.dialect.name

    context = phone(browser)
    page = context.new_page()
    _sign_in(page, live_server, world.users["rater0"].login)
    page.goto(f"{live_server}/kinerja/")
    assert page.locator("#pengingat-rekan").is_visible()  # the reminder on the staff home page
    page.get_by_role("link", name="Isi umpan balik rekan").click()
    page.get_by_role("link", name="Ani Dinilai").click()
    assert page.locator("h1").inner_text() == "Umpan balik untuk Ani Dinilai"
    _fits(page)
    assert_accessible(page)
    for value in ("Berorientasi Pelayanan", "Akuntabel", "Kompeten"):
        page.get_by_role("group", name=value).get_by_label("Di Atas Ekspektasi").check()
    page.get_by_role("button", name="Simpan draf").click()  # half done: a draft
    assert page.get_by_text("Draf disimpan.").is_visible()
    assert page.get_by_role("group", name="Akuntabel").get_by_label("Di Atas Ekspektasi").is_checked()
    for value in ("Harmonis", "Loyal", "Adaptif"):
        page.get_by_role("group", name=value).get_by_label("Sesuai Ekspektasi").check()
    page.get_by_role("group", name="Kolaboratif").get_by_label("Tidak tahu").check()
    page.get_by_label("apa yang ia kerjakan dengan baik").fill("Cekatan saat antrean ramai, hubungi 081234567890.")
    _shot(page, "formulir", backend)
    page.get_by_role("button", name="Kirim jawaban").click()
    page.wait_for_url("**/kinerja/rekan")
    assert page.get_by_text("terkirim tanpa nama Anda").is_visible()
    _fits(page)
    assert_accessible(page)
    _shot(page, "terkirim", backend)
    context.close()
    assert db.session.scalar(select(func.count()).select_from(PeerAnswer)) == 3

    context = phone(browser)
    page = context.new_page()
    _sign_in(page, live_server, "sari.atasan")
    page.goto(f"{live_server}/atasan/rekan")
    assert_accessible(page)
    page.get_by_role("link", name="2026-Q4").click()
    assert page.locator("#tingkat-respons").inner_text().startswith("3/4")
    table = page.get_by_role("table").first
    assert table.is_visible()
    assert page.get_by_text("Cekatan saat antrean ramai").is_visible()
    assert not page.get_by_text("081234567890").count()  # masked (spec §5)
    assert "Wulandari" not in page.content()  # the rater who just answered is nowhere
    _fits(page)
    assert_accessible(page)
    _shot(page, "putaran", backend)
    page.goto(f"{live_server}/atasan/pegawai/{world.ani.id}/2026-Q4")
    assert page.get_by_text("Rekan kerja (360°, 3 jawaban):").first.is_visible()
    _fits(page)
    assert_accessible(page)
    _shot(page, "meja", backend)
    context.close()
