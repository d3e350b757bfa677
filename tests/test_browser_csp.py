"""Issue 9.3/9.7 in a real browser: Chromium reports no Content-Security-Policy violation on any page, the pages
keep their styles, and the API reference (the one page that runs scripts) still renders."""

from __future__ import annotations

import pytest

from feedback_app.extensions import db
from feedback_app.services.tokens import counter_survey_url
from tests.browser_fixtures import browser, live_server  # noqa: F401  (fixtures)
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


def watched_page(browser, problems: list[str]):
    """A page with JavaScript on (so a stray script would run) whose console errors are collected."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=True)
    page = context.new_page()

    def console(message) -> None:
        # The 404 page (and Chromium's favicon request) load with 404 on purpose; anything else is a problem.
        if message.type in ("error", "warning") and "status of 404" not in message.text:
            problems.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return page


def test_no_page_violates_the_content_security_policy(app, build, clock, live_server, browser, tmp_path):
    unit = build.unit(name="Disdukcapil Kota Bogor", slug="kota-bogor")
    counter = build.counter(unit, public_code="BGR01", name="Loket 1")
    employee = build.employee(unit, name="Dewi Lestari")
    build.user("admin.bogor", {"admin", "staff"}, unit=unit, employee=employee)
    db.session.commit()
    survey_url = counter_survey_url(counter)

    problems: list[str] = []
    page = watched_page(browser, problems)
    page.goto(survey_url)
    # The inline <style> applied: the header band is the site's blue, not the browser's default.
    assert page.eval_on_selector("header", "e => getComputedStyle(e).backgroundColor") == "rgb(11, 74, 133)"
    page.goto(f"{live_server}/masuk")
    page.get_by_label("Nama pengguna").fill("admin.bogor")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()
    page.wait_for_url("**/akun")
    for path in (
        "/admin/",
        "/admin/loket/BGR01/poster",
        "/admin/unit/kota-bogor/jadwal",
        "/admin/unit/kota-bogor/token-api",
        "/loket/",
        "/loket/BGR01",
        "/tidak-ada",
        "/",
    ):
        page.goto(f"{live_server}{path}")
        assert page.eval_on_selector("body", "e => getComputedStyle(e).margin") == "0px", path
    page.screenshot(path=str(tmp_path / "last.png"), full_page=True)
    assert problems == []


def test_the_api_reference_page_renders_under_its_policy(app, live_server, browser, tmp_path):
    problems: list[str] = []
    page = watched_page(browser, problems)
    page.goto(f"{live_server}/api/v1/docs")
    page.wait_for_selector(".opblock-summary", timeout=15000)
    assert page.get_by_text("Suara Warga queue-machine API").first.is_visible()
    assert page.locator(".opblock-summary").count() >= 2  # both operations listed
    page.screenshot(path=str(tmp_path / "docs.png"), full_page=True)
    assert not [problem for problem in problems if "Content Security Policy" in problem], problems
