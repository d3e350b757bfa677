"""Acceptance: an admin reads the audit trail on a phone, filters it and finds the CSV link (axe-core clean)."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedback_app.extensions import db
from feedback_app.services.audit import record_audit
from tests.axe import assert_accessible
from tests.browser_fixtures import browser, live_server, phone  # noqa: F401  (fixtures)
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def test_an_admin_filters_the_audit_trail_on_a_phone(app, build, live_server, browser):
    unit = build.unit(slug="kota-bogor", name="Disdukcapil Kota Bogor")
    build.user("admin.bogor", {"admin"}, unit=unit)
    record_audit("counter.rotate_qr", entity="counter", entity_id=1, unit_id=unit.id, after={"poster_version": 2})
    record_audit("appraisal.override", entity="appraisal", entity_id=9, unit_id=unit.id, reason="NIK 3201123456780004")
    db.session.commit()

    page = phone(browser).new_page()
    page.goto(f"{live_server}/masuk?next=/admin/audit")
    page.get_by_label("Nama pengguna").fill("admin.bogor")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()
    page.wait_for_url("**/admin/audit")
    assert page.get_by_text("counter.rotate_qr", exact=True).count() == 1
    assert "3201********0004" in page.content() and "3201123456780004" not in page.content()
    assert_accessible(page)
    page.get_by_label("Apa (aksi, mis. counter.rotate_qr atau appraisal)").fill("appraisal")
    page.get_by_role("button", name="Saring").click()
    assert page.get_by_text("appraisal.override", exact=True).count() == 1
    assert page.get_by_text("counter.rotate_qr", exact=True).count() == 0
    assert page.get_by_role("link", name="Unduh CSV").get_attribute("href").endswith("aksi=appraisal")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "audit-trail.png"), full_page=True)
    assert_accessible(page)
