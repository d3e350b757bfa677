"""Acceptance: HR starts score runs for two units from a phone-sized browser and watches them complete."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import ScoreRun
from feedback_app.services.jobs import runner
from tests.axe import assert_accessible
from tests.browser_fixtures import browser, live_server, phone  # noqa: F401  (fixtures)
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def test_hr_starts_runs_for_two_units_and_sees_them_done(app, build, clock, live_server, browser):
    clock.set(datetime(2026, 10, 14, 2, 30, tzinfo=UTC))
    province = build.unit(slug="prov-jabar", name="Dinas Dukcapil Provinsi")
    units = [
        build.unit(slug=s, name=n, parent=province)
        for s, n in (("bogor", "Dukcapil Bogor"), ("depok", "Dukcapil Depok"))
    ]
    for unit in units:
        build.counter(unit)
    build.user("sdm", {"hr"}, unit=province)
    db.session.commit()

    page = phone(browser).new_page()
    page.goto(f"{live_server}/masuk?next=/sdm/")
    page.get_by_label("Nama pengguna").fill("sdm")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()
    page.wait_for_url("**/sdm/")
    assert_accessible(page)
    page.get_by_label("Periode").select_option("2026-Q3")
    page.get_by_label("Dukcapil Bogor").check()
    page.get_by_label("Dukcapil Depok").check()
    page.get_by_role("button", name="Mulai perhitungan").click()
    page.wait_for_url("**/sdm/")
    assert page.get_by_text("2 perhitungan Triwulan III 2026 dimulai.").is_visible()
    assert runner().wait(timeout=60)
    page.reload()
    assert page.get_by_text("4 dari 4 langkah").count() == 2
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "hr-runs.png"), full_page=True)
    assert_accessible(page)
    page.get_by_role("link", name="Lihat hasil perhitungan yang tersimpan").click()
    assert page.get_by_text("final").count() == 2
    page.screenshot(path=str(ARTIFACTS / "hr-score-runs.png"), full_page=True)
    assert_accessible(page)
    assert len(db.session.scalars(select(ScoreRun)).all()) == 2
