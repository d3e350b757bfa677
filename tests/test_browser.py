"""A real phone-sized browser (Debian's Chromium driven by Playwright) answers the survey by clicking."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from feedback_app.extensions import db
from feedback_app.models import SurveyResponse
from feedback_app.services.qr import counter_survey_url
from tests.helpers import need_tool

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_BASE_URL"] = base
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def phone(live_server: str) -> Iterator[object]:
    executable = need_tool("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False,
                                      is_mobile=True, has_touch=True, device_scale_factor=2)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def test_citizen_answers_survey_on_a_phone(app, build, live_server, phone, tmp_path):
    counter = build.counter(name="Loket 2 – KTP-el")
    employee = build.employee(name="Dewi Lestari")
    build.duty(counter, employee, source="sign_in", ends_at=None)
    db.session.commit()

    page = phone
    page.goto(counter_survey_url(counter))
    assert page.locator("h1").inner_text() == "Survei Kepuasan Masyarakat"
    assert page.get_by_text("Petugas: Dewi Lestari").is_visible()
    for index, label in enumerate(["Sangat sesuai", "Mudah", "Cepat", "Gratis", "Sesuai", "Sangat kompeten",
                                   "Sangat sopan dan ramah", "Baik", "Dikelola dengan baik"]):
        page.locator("fieldset").nth(index).get_by_text(label, exact=True).click()
    page.get_by_label("Saran dan masukan (boleh dikosongkan)").fill("Terima kasih, cepat sekali.")
    page.screenshot(path=str(tmp_path / "survey.png"), full_page=True)
    page.get_by_role("button", name="Kirim jawaban").click()
    page.wait_for_url("**/terima-kasih")
    assert "Terima kasih!" in page.content()

    [row] = db.session.scalars(select(SurveyResponse)).all()
    assert row.answers == {"U1": 4, "U2": 3, "U3": 3, "U4": 4, "U5": 3, "U6": 4, "U7": 4, "U8": 3, "U9": 4}
    assert (row.employee_id, row.attribution_source, row.status) == (employee.id, "sign_in", "valid")
    assert row.comment == "Terima kasih, cepat sekali."
