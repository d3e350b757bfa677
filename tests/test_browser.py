"""A real phone-sized browser (Debian's Chromium driven by Playwright) answers the survey by clicking."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import SurveyResponse
from feedback_app.services.tokens import counter_survey_url
from tests.axe import assert_accessible
from tests.browser_fixtures import browser, live_server, phone  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def test_citizen_answers_survey_on_a_phone(app, build, live_server, browser, tmp_path):
    counter = build.counter(name="Loket 2 – KTP-el")
    employee = build.employee(name="Dewi Lestari")
    build.duty(counter, employee, source="sign_in", ends_at=None)
    db.session.commit()

    context = phone(browser)
    page = context.new_page()
    page.goto(counter_survey_url(counter))
    assert page.locator("h1").inner_text() == "Survei Kepuasan Masyarakat"
    assert page.get_by_text("Petugas: Dewi Lestari").is_visible()
    assert_accessible(page)
    for index, label in enumerate(
        [
            "Sangat sesuai",
            "Mudah",
            "Cepat",
            "Gratis",
            "Sesuai",
            "Sangat kompeten",
            "Sangat sopan dan ramah",
            "Baik",
            "Dikelola dengan baik",
        ]
    ):
        page.locator("fieldset").nth(index).get_by_text(label, exact=True).click()
    page.get_by_label("Saran dan masukan (boleh dikosongkan)").fill("Terima kasih, cepat sekali.")
    page.screenshot(path=str(tmp_path / "survey.png"), full_page=True)
    page.get_by_role("button", name="Kirim jawaban").click()
    page.wait_for_url("**/terima-kasih?r=*")  # the signed reference lets the citizen turn the comment into a complaint
    assert "Terima kasih!" in page.content()

    [row] = db.session.scalars(select(SurveyResponse)).all()
    assert row.answers == {"U1": 4, "U2": 3, "U3": 3, "U4": 4, "U5": 3, "U6": 4, "U7": 4, "U8": 3, "U9": 4}
    assert (row.employee_id, row.attribution_source, row.status) == (employee.id, "sign_in", "valid")
    assert row.comment == "Terima kasih, cepat sekali."
