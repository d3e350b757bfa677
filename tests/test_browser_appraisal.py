"""Acceptance: a supervisor completes an appraisal end to end on the desk with JavaScript off (a target, the seven
BerAKHLAK values, ratings, confirm); an override without a reason and a stale form are refused; the predikat is
the matrix's; every write leaves one audit row; each page passes axe-core. Screenshots go to tests/artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import Appraisal, AuditEvent
from feedback_app.services.score_runs import compute_score_run
from scoring import PREDIKAT_MATRIX, Rating
from tests.axe import assert_accessible
from tests.browser_fixtures import browser, live_server, phone, tablet  # noqa: F401  (fixtures)
from tests.helpers import PASSWORD
from tests.services.test_appraisals import Q3, SEVEN, Team

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
VALUE_NAMES = ("Berorientasi Pelayanan", "Akuntabel", "Kompeten", "Harmonis", "Loyal", "Adaptif", "Kolaboratif")


def _log_in(page, base: str, login: str) -> None:
    page.goto(f"{base}/masuk?next=/atasan/%3Fperiode%3D2026-Q3")
    page.get_by_label("Nama pengguna").fill(login)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()
    page.wait_for_url("**/atasan/?periode=2026-Q3")


def _rate(page, rating: str) -> None:
    for name in VALUE_NAMES:
        page.locator("fieldset", has=page.locator("legend", has_text=name)).get_by_label(rating).check()


def test_a_supervisor_completes_an_appraisal_on_the_desk(app, build, clock, live_server, browser) -> None:
    team = Team(build)
    team.answers(team.ani, 40, value=4)
    compute_score_run(team.unit, Q3, "test")
    db.session.commit()
    assert len(SEVEN) == len(VALUE_NAMES)
    ARTIFACTS.mkdir(exist_ok=True)

    context = tablet(browser)
    desk = context.new_page()
    _log_in(desk, live_server, "atasan")
    assert desk.get_by_role("heading", name="Tim untuk Triwulan III 2026").is_visible()
    assert_accessible(desk)
    desk.screenshot(path=str(ARTIFACTS / "atasan-tim.png"), full_page=True)

    evidence = f"{live_server}/atasan/pegawai/{team.ani.id}/2026-Q3"
    desk.get_by_role("link", name="Ani").click()
    desk.wait_for_url(evidence)
    assert desk.get_by_role("heading", name="Indikator dari warga dan antrean").is_visible()
    assert_accessible(desk)

    # A target in the national SKP shape; capaian 95 % suggests Sesuai Ekspektasi.
    desk.get_by_text("Tambah atau ubah target").click()
    desk.get_by_label("Rencana hasil kerja").fill("Terlayaninya dokumen kependudukan")
    desk.get_by_label("Indikator kinerja individu").fill("Berkas KTP-el selesai")
    desk.get_by_label("Target", exact=True).fill("100")
    desk.get_by_label("Satuan").fill("berkas")
    desk.get_by_label("Realisasi", exact=True).fill("95")
    desk.get_by_role("button", name="Simpan target").click()
    assert desk.get_by_text("Target “Berkas KTP-el selesai” disimpan.").is_visible()

    # The seven values all Sesuai (suggested perilaku Sesuai), then an override to Di Atas without a reason.
    _rate(desk, "Sesuai Ekspektasi")
    desk.get_by_label("Umpan balik berkelanjutan").fill("Ramah dan teliti; pertahankan.")
    desk.locator("fieldset", has_text="Rating hasil kerja").get_by_label("Sesuai Ekspektasi").check()
    desk.locator("fieldset", has_text="Rating perilaku kerja").get_by_label("Di Atas Ekspektasi").check()
    desk.get_by_role("button", name="Konfirmasi penilaian").click()
    assert desk.get_by_text("Alasan wajib diisi: rating perilaku kerja").is_visible()
    desk.screenshot(path=str(ARTIFACTS / "atasan-tanpa-alasan.png"), full_page=True)
    assert db.session.scalar(select(Appraisal.id)) is None

    # Meanwhile the same supervisor saves a draft from another tab: the first tab's form is now stale.
    other = context.new_page()
    other.goto(evidence)
    _rate(other, "Sesuai Ekspektasi")
    other.get_by_role("button", name="Simpan draf").click()
    assert other.get_by_text("Draf penilaian disimpan.").is_visible()
    # The page the error re-rendered carries the version it read (none); sending it now is refused.
    desk.locator("fieldset", has_text="Rating perilaku kerja").get_by_label("Alasan bila berbeda dari saran").fill(
        "Membimbing dua pegawai baru."
    )
    desk.get_by_role("button", name="Konfirmasi penilaian").click()
    assert desk.get_by_text("sudah disimpan orang lain").is_visible()
    db.session.expire_all()
    assert db.session.scalar(select(Appraisal.status)) == "draft"

    # Read again, decide with the reason, confirm.
    desk.goto(evidence)
    _rate(desk, "Sesuai Ekspektasi")
    desk.locator("fieldset", has_text="Rating hasil kerja").get_by_label("Sesuai Ekspektasi").check()
    perilaku = desk.locator("fieldset", has_text="Rating perilaku kerja")
    perilaku.get_by_label("Di Atas Ekspektasi").check()
    perilaku.get_by_label("Alasan bila berbeda dari saran").fill("Membimbing dua pegawai baru.")
    desk.get_by_role("button", name="Konfirmasi penilaian").click()
    expected = PREDIKAT_MATRIX[Rating.SESUAI, Rating.DI_ATAS].value
    assert desk.get_by_text(f"Penilaian dikonfirmasi: predikat {expected}.").is_visible()
    assert desk.locator("#predikat").inner_text() == expected
    assert_accessible(desk)
    desk.screenshot(path=str(ARTIFACTS / "atasan-penilaian.png"), full_page=True)

    small = phone(browser)
    small.add_cookies(context.cookies())
    mobile = small.new_page()
    mobile.goto(evidence)
    mobile.screenshot(path=str(ARTIFACTS / "atasan-penilaian-360.png"), full_page=True)
    width = mobile.locator("main").bounding_box()["width"]
    assert width <= 360

    db.session.expire_all()
    appraisal = db.session.scalar(select(Appraisal))
    assert (appraisal.status, appraisal.predikat, appraisal.version) == ("confirmed", "baik", 2)
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["target.create", "appraisal.save_draft", "appraisal.confirm"]  # one per write, none for refusals
