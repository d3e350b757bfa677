"""Paper questionnaires: entered one by one or imported; they count in the unit's IKM and in no employee's figure."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import AuditEvent, SurveyResponse
from feedback_app.services.paper import (
    PaperImportRejected,
    PaperSheet,
    PaperSheetError,
    apply_paper_import,
    check_paper_import,
    enter_paper_sheet,
    new_submission_key,
    parse_answers,
)
from feedback_app.services.score_runs import compute_score_run, indicator_rows
from tests.services.score_runs.office import Q3, Office

ALL_ONES = {f"u{i}": 1 for i in range(1, 10)}


@pytest.fixture
def office(build, clock) -> Office:
    return Office(build)


def _paper_count(unit_id: int) -> int:
    return db.session.scalar(
        select(func.count()).where(SurveyResponse.unit_id == unit_id, SurveyResponse.channel == "paper")
    )


def _figures(run) -> tuple[dict, dict]:
    """(the unit's rows, every employee's rows) of a run as comparable tuples."""
    unit, employees = {}, {}
    for row in indicator_rows(run):
        figure = (row.status, row.value, row.n, row.explanation.get("result"))
        (unit if row.employee_id is None else employees)[(row.employee_id, row.code)] = figure
    return unit, employees


def test_paper_sheets_change_the_units_ikm_and_no_employees_figure(office: Office) -> None:
    office.answers(160)
    before = compute_score_run(office.unit, Q3, "t")
    db.session.commit()
    for day in (date(2026, 7, 3), date(2026, 8, 20), date(2026, 9, 30)):
        for _ in range(5):
            enter_paper_sheet(office.unit, PaperSheet(day, ALL_ONES), new_submission_key())
    enter_paper_sheet(
        office.unit, PaperSheet(date(2026, 8, 1), ALL_ONES, counter_id=office.counter.id), new_submission_key()
    )
    db.session.commit()
    after = compute_score_run(office.unit, Q3, "t")
    db.session.commit()

    unit_before, employees_before = _figures(before)
    unit_after, employees_after = _figures(after)
    assert unit_after[(None, "ikm")][1] < unit_before[(None, "ikm")][1]
    assert unit_after[(None, "ikm")][2] == unit_before[(None, "ikm")][2] + 16
    assert employees_before, "the office has employees with figures"
    assert employees_after == employees_before
    assert after.input_counts["responses_paper"] == 16
    assert after.input_counts["respondent_profile"]["channel"]["paper"] == 16


def test_a_sheet_is_stored_once_however_often_its_form_is_sent(office: Office) -> None:
    key = new_submission_key()
    sheet = PaperSheet(date(2026, 9, 1), ALL_ONES, profile={"respondent_sex": "P", "age_band": "30-39"})
    first, created = enter_paper_sheet(office.unit, sheet, key)
    db.session.commit()
    again, created_again = enter_paper_sheet(office.unit, sheet, key)
    db.session.commit()
    assert (created, created_again, first.id) == (True, False, again.id)
    assert _paper_count(office.unit.id) == 1
    assert (first.employee_id, first.attribution_source, first.counter_id, first.status) == (
        None,
        "none",
        None,
        "valid",
    )
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "response.enter_paper")) == 1


@pytest.mark.parametrize(
    ("sheet_kwargs", "field"),
    [({"day": date(2026, 10, 15)}, "day"), ({"counter_id": -1}, "counter"), ({"service_type_id": -1}, "service_type")],
)
def test_a_bad_sheet_is_refused_with_the_field_named(office: Office, sheet_kwargs, field) -> None:
    values = {"day": date(2026, 9, 1), "answers": ALL_ONES, **sheet_kwargs}
    with pytest.raises(PaperSheetError) as refused:
        enter_paper_sheet(office.unit, PaperSheet(**values), new_submission_key())
    assert field in refused.value.errors
    assert _paper_count(office.unit.id) == 0


def test_the_nine_answers_are_typed_as_nine_digits(app) -> None:
    with app.test_request_context():
        check_digits()


def check_digits() -> None:
    assert parse_answers("3 4 3 3 4 4 3 4 3")[0] == {f"u{i}": int(d) for i, d in enumerate("343344343", 1)}
    assert "U5" in str(parse_answers("343354343")[1])
    assert "8" in str(parse_answers("34334434")[1])
    assert parse_answers("")[0] is None


TALLY = """tanggal;loket;u1;u2;u3;u4;u5;u6;u7;u8;u9;jenis_kelamin;umur;pendidikan;pekerjaan;layanan
2026-09-14;{code};3;3;4;4;3;3;4;3;3;P;34;SMA;Swasta;
15/09/2026;;4;4;4;4;4;4;4;4;4;;;;;
"""


def test_a_tally_sheet_imports_once_and_a_bad_row_is_named_by_its_line(app, office: Office) -> None:
    good = TALLY.format(code=office.counter.public_code)
    bad = good + "2026-09-16;ZZZ9;5;3;3;3;3;3;3;3;3;X;tua;;;\n"
    check = check_paper_import(bad, office.unit)
    assert [(row.line, row.status) for row in check.rows] == [(2, "ok"), (3, "ok"), (4, "error")]
    with app.test_request_context():
        message = str(check.errors[0].message)
    assert "ZZZ9" in message and "U1" in message and "tua" in message
    with pytest.raises(PaperImportRejected):
        apply_paper_import(bad, office.unit)
    db.session.rollback()
    assert _paper_count(office.unit.id) == 0

    apply_paper_import(good, office.unit, filename="rekap.csv")
    db.session.commit()
    stored = db.session.scalars(
        select(SurveyResponse).where(SurveyResponse.channel == "paper").order_by(SurveyResponse.id)
    )
    first, second = stored
    assert (first.counter_id, first.age_band, first.respondent_sex, first.education) == (
        office.counter.id,
        "30-39",
        "P",
        "SMA",
    )
    assert second.counter_id is None and second.u9 == 4
    again = apply_paper_import(good, office.unit)
    db.session.commit()
    assert (again.ok_count, again.duplicate_count, _paper_count(office.unit.id)) == (0, 2, 2)
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "response.import_paper")) == 1


def test_a_tally_sheet_without_the_answer_columns_is_refused_at_its_header(app, office: Office) -> None:
    check = check_paper_import("tanggal,u1,u2\n2026-09-14,3,3\n", office.unit)
    assert [(row.line, row.status) for row in check.rows] == [(1, "error")]
    with app.test_request_context():
        assert "u3" in str(check.rows[0].message)
