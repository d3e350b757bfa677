"""Acceptance: HR opens the bias audit on a phone-sized browser, picks a unit and period, reads the flag (issue 15)."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedback_app.extensions import db
from tests.axe import assert_accessible
from tests.blueprints.test_bias_audit import FLAG, _unit_with_answers
from tests.browser_fixtures import browser, live_server, phone  # noqa: F401  (fixtures)
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def test_hr_reads_the_bias_audit_of_a_unit_with_a_gap(app, build, clock, live_server, browser):
    _unit_with_answers(build, "timpang", gap=True, seed=1)
    _unit_with_answers(build, "adil", gap=False, seed=2)
    build.user("sdm.audit", {"hr"})
    db.session.commit()

    page = phone(browser).new_page()
    page.goto(f"{live_server}/masuk?next=/sdm/hasil")
    page.get_by_label("Nama pengguna").fill("sdm.audit")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()
    page.wait_for_url("**/sdm/hasil")
    page.get_by_role("link", name="Audit bias skor kepuasan").click()
    page.wait_for_url("**/sdm/audit-bias**")
    page.get_by_label("Unit").select_option("timpang")
    page.get_by_label("Periode").fill("2026-Q3")
    page.get_by_role("button", name="Tampilkan").click()
    page.wait_for_url("**unit=timpang**")
    alert = page.locator("#peringatan")
    assert alert.is_visible() and FLAG in alert.inner_text()
    assert page.get_by_role("cell", name="Perempuan").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "hr-bias-audit.png"), full_page=True)
    assert_accessible(page)
    page.get_by_label("Unit").select_option("adil")
    page.get_by_role("button", name="Tampilkan").click()
    page.wait_for_url("**unit=adil**")
    assert page.locator("#tanpa-tanda").is_visible() and page.locator("#peringatan").count() == 0
    assert_accessible(page)
