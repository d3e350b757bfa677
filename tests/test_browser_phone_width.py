"""Nothing overflows a 360 px phone: the English survey and the admin counter list (issue 13, item 5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedback_app.extensions import db
from feedback_app.services.tokens import counter_survey_url
from tests.browser_fixtures import browser, live_server  # noqa: F401  (fixtures)
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def measuring_phone(browser):
    """A 360 px phone with JavaScript on, only so the test can measure the page (the pages run none)."""
    return browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, device_scale_factor=2)


def overflow(page) -> list[str]:
    """The page's width beyond 360 px and the elements that stick out."""
    return page.evaluate(
        """() => {
            const width = document.documentElement.clientWidth;
            const wide = [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > width + 0.5)
                .map(e => `${e.tagName.toLowerCase()}.${e.className}: ${Math.round(e.getBoundingClientRect().right)}`);
            return document.documentElement.scrollWidth > width ? wide.slice(0, 8) : [];
        }"""
    )


def test_the_english_survey_fits_a_360_px_phone(app, build, live_server, browser):
    counter = build.counter(name="Loket 2 – KTP-el")
    db.session.commit()
    page = measuring_phone(browser).new_page()
    page.goto(counter_survey_url(counter) + "?lang=en")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "survey-en-360.png"), full_page=True)
    assert overflow(page) == []


def test_the_admin_counter_list_fits_a_360_px_phone(app, build, live_server, browser):
    unit = build.unit(name="Disdukcapil Kabupaten Kepulauan Selayar")
    for n in range(3):
        build.counter(unit, public_code=f"SLY0{n}", name=f"Loket {n} – Akta Kelahiran dan Kematian")
    admin = build.user("admin-360", {"admin"}, unit=unit)
    db.session.commit()
    page = measuring_phone(browser).new_page()
    page.goto(f"{live_server}/masuk")
    page.get_by_label("Nama pengguna").fill(admin.login)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.goto(f"{live_server}/admin/")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "admin-counters-360.png"), full_page=True)
    assert overflow(page) == []
