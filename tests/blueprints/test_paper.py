"""The paper-questionnaire pages: one sheet per submit from the keyboard form, retries, errors, the import."""

from __future__ import annotations

import io
from html import unescape

import pytest
from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import SurveyResponse
from tests.helpers import hidden_fields, login


@pytest.fixture
def unit(build):
    unit = build.unit(name="Disdukcapil Kota Bogor", slug="kota-bogor")
    build.counter(unit, public_code="BGR01", name="Loket KTP-el")
    db.session.commit()
    return unit


@pytest.fixture
def admin(client, build, unit, clock):
    user = build.user("admin-bogor", {"admin"}, unit=unit)
    db.session.commit()
    login(client, user)
    return client


def _paper() -> int:
    return db.session.scalar(select(func.count()).where(SurveyResponse.channel == "paper"))


def _sheet(client, answers: str, **extra):
    fields = hidden_fields(client.get("/admin/unit/kota-bogor/kuesioner-kertas").get_data(as_text=True))
    data = {**fields, "day": "2026-10-13", "counter": "", "answers": answers, **extra}
    return client.post("/admin/unit/kota-bogor/kuesioner-kertas", data=data), data


def test_a_sheet_typed_as_nine_digits_is_stored_and_the_next_form_keeps_date_and_counter(admin, unit):
    page = admin.get("/admin/unit/kota-bogor/kuesioner-kertas").get_data(as_text=True)
    assert 'id="answers"' in page and "autofocus" in page
    counter_id = str(unit.counters[0].id)
    response, data = _sheet(admin, "343344343", counter=counter_id, respondent_sex="P", age_band="30-39")
    assert response.status_code == 303
    assert (
        "tanggal=2026-10-13" in response.headers["Location"] and f"loket={counter_id}" in response.headers["Location"]
    )
    stored = db.session.scalar(select(SurveyResponse).where(SurveyResponse.channel == "paper"))
    assert (stored.u1, stored.u2, stored.u9, stored.respondent_sex, stored.counter_id) == (
        3,
        4,
        3,
        "P",
        int(counter_id),
    )
    assert stored.employee_id is None and stored.attribution_source == "none"
    follow = unescape(admin.get(response.headers["Location"]).get_data(as_text=True))
    assert "Lembar tersimpan untuk 2026-10-13: 1" in follow
    assert f'<option selected value="{counter_id}">' in follow or f'value="{counter_id}" selected' in follow
    # The same form sent again (a double Enter, a retry) stores nothing new.
    again = admin.post("/admin/unit/kota-bogor/kuesioner-kertas", data=data)
    assert again.status_code == 303 and _paper() == 1


@pytest.mark.parametrize(
    ("answers", "extra", "message"),
    [
        ("34334434", {}, "tepat sembilan jawaban"),
        ("343354343", {}, "U5"),
        ("343344343", {"day": "2026-10-15"}, "masa depan"),
        ("343344343", {"day": "14/13/2026"}, ""),
        ("343344343", {"counter": "999999"}, ""),
        ("343344343", {"age_band": "tua"}, ""),
    ],
)
def test_a_bad_sheet_comes_back_with_its_error_and_nothing_stored(admin, answers, extra, message):
    response, _data = _sheet(admin, answers, **extra)
    assert response.status_code == 422
    assert message in unescape(response.get_data(as_text=True))
    assert _paper() == 0


def test_another_units_admin_cannot_enter_sheets_for_this_unit(client, build, unit, clock):
    user = build.user("admin-lain", {"admin"}, unit=build.unit(slug="lain"))
    db.session.commit()
    login(client, user)
    assert client.get("/admin/unit/kota-bogor/kuesioner-kertas").status_code == 403
    assert client.get("/admin/unit/kota-bogor/kuesioner-kertas/impor").status_code == 403


def test_the_import_dry_run_lists_errors_by_line_and_the_apply_stores_once(admin):
    good = (
        "tanggal,loket,u1,u2,u3,u4,u5,u6,u7,u8,u9\n2026-09-14,BGR01,3,3,4,4,3,3,4,3,3\n2026-09-15,,4,4,4,4,4,4,4,4,4\n"
    )
    page = admin.get("/admin/unit/kota-bogor/kuesioner-kertas/impor").get_data(as_text=True)
    token = hidden_fields(page)["csrf_token"]
    bad = admin.post(
        "/admin/unit/kota-bogor/kuesioner-kertas/impor",
        data={
            "csrf_token": token,
            "file": (io.BytesIO((good + "2026-09-16,XX1,9,3,3,3,3,3,3,3,3\n").encode()), "r.csv"),
        },
        content_type="multipart/form-data",
    )
    html = unescape(bad.get_data(as_text=True))
    assert bad.status_code == 422 and "XX1" in html and "<td>4</td>" in html and "terapkan" not in html
    assert _paper() == 0
    checked = admin.post(
        "/admin/unit/kota-bogor/kuesioner-kertas/impor",
        data={"csrf_token": token, "file": (io.BytesIO(good.encode()), "r.csv")},
        content_type="multipart/form-data",
    )
    assert checked.status_code == 200
    payload = hidden_fields(checked.get_data(as_text=True))
    applied = admin.post("/admin/unit/kota-bogor/kuesioner-kertas/impor/terapkan", data=payload)
    assert applied.status_code == 302 and _paper() == 2
    assert admin.post("/admin/unit/kota-bogor/kuesioner-kertas/impor/terapkan", data=payload).status_code == 302
    assert _paper() == 2
    tampered = dict(payload, payload=payload["payload"][:-3] + "abc")
    assert admin.post("/admin/unit/kota-bogor/kuesioner-kertas/impor/terapkan", data=tampered).status_code == 400
