"""The SKM report (spec §1.5): its IKM recomputed independently from the raw answers, the legacy rounding rules on
the worked example, the unit's text kept per period, the signature, and the workbook."""

from __future__ import annotations

import io
import math
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select

from feedback_app.extensions import db
from feedback_app.models import SurveyResponse
from feedback_app.services.moderation import set_population
from feedback_app.services.paper import PaperSheet, enter_paper_sheet, new_submission_key
from feedback_app.services.score_runs import compute_score_run, set_unit_parameters
from feedback_app.services.skm_report import (
    SkmReportError,
    report_workbook,
    save_report_text,
    sign_report,
    skm_report,
    workbook_texts,
)
from tests.services.score_runs.office import Q3, WIB, Office

CODES = [f"u{i}" for i in range(1, 10)]
#: Spec §1.3's worked example: counts of the answers 1/2/3/4 per unsur over 120 responses.
WORKED_EXAMPLE = {
    "u1": (0, 4, 70, 46),
    "u2": (1, 6, 72, 41),
    "u3": (2, 15, 68, 35),
    "u4": (0, 0, 10, 110),
    "u5": (0, 5, 75, 40),
    "u6": (0, 3, 66, 51),
    "u7": (0, 2, 60, 58),
    "u8": (1, 9, 71, 39),
    "u9": (3, 12, 70, 35),
}


@pytest.fixture
def office(build, clock) -> Office:
    return Office(build)


def _half_up(value: Fraction) -> Decimal:
    return Decimal(math.floor(value * 100 + Fraction(1, 2))).scaleb(-2)


def _recompute(unit_id: int, weight: Fraction) -> Decimal:
    """The IKM straight from the stored answers of Q3 (WIB), written without scoring: 25 × Σ w · mean(answer)."""
    start, end = datetime(2026, 7, 1, tzinfo=WIB), datetime(2026, 10, 1, tzinfo=WIB)
    rows = db.session.execute(
        select(*(getattr(SurveyResponse, code) for code in CODES)).where(
            SurveyResponse.unit_id == unit_id,
            SurveyResponse.status == "valid",
            SurveyResponse.counted_at >= start,
            SurveyResponse.counted_at < end,
        )
    ).all()
    assert rows, "no answers to recompute from"
    return _half_up(25 * sum(weight * Fraction(sum(row[i] for row in rows), len(rows)) for i in range(9)))


@pytest.mark.parametrize(("convention", "weight"), [("exact", Fraction(1, 9)), ("0.111", Fraction(111, 1000))])
def test_the_reports_ikm_equals_a_recomputation_from_the_raw_answers(office: Office, convention, weight) -> None:
    office.answers(240)
    for i in range(7):
        enter_paper_sheet(office.unit, PaperSheet(date(2026, 9, 1 + i), {c: 2 for c in CODES}), new_submission_key())
    set_unit_parameters(office.unit, {"weight_convention": convention})
    compute_score_run(office.unit, Q3, "t")
    db.session.commit()
    report = skm_report(office.unit, Q3)
    assert report.weight_convention == convention and report.rounding == "exact"
    assert report.summary is not None
    assert report.summary.ikm == _recompute(office.unit.id, weight)
    assert report.n == len(office.counted()) + 7
    assert report.channels == {"counter_qr": len(office.counted()), "paper": 7}
    assert sum(report.profile["respondent_sex"].values()) == report.n
    assert not report.provisional


def _worked_example(office: Office) -> None:
    """Spec §1.3's 120 responses, for the unit only, in August 2026."""
    answers = {
        code: [a for a, count in zip((1, 2, 3, 4), counts) for _ in range(count)]
        for code, counts in WORKED_EXAMPLE.items()
    }
    at = datetime(2026, 8, 10, 9, tzinfo=WIB)
    rows = [
        dict(
            unit_id=office.unit.id,
            counter_id=office.counter.id,
            attribution_source="none",
            channel="counter_qr",
            client_fingerprint="f" * 32,
            submission_key=f"we{i}",
            status="valid",
            submitted_at=at,
            counted_at=at,
            locale="id",
            **{code: answers[code][i] for code in CODES},
        )
        for i in range(120)
    ]
    db.session.execute(insert(SurveyResponse), rows)
    db.session.commit()


@pytest.mark.parametrize(
    ("rounding", "convention", "expected"),
    [
        ("exact", "exact", "83.91"),
        ("exact", "0.111", "83.83"),
        ("nrr2", "exact", "83.92"),
        ("nrr2", "0.111", "83.83"),
        ("nrr3", "exact", "83.91"),
        ("nrr3", "0.111", "83.83"),
    ],
)
def test_the_rounding_rule_of_the_units_parameters_is_applied_and_named(office: Office, rounding, convention, expected):
    _worked_example(office)
    set_unit_parameters(office.unit, {"weight_convention": convention, "skm_rounding": rounding})
    run = compute_score_run(office.unit, Q3, "t")
    db.session.commit()
    report = skm_report(office.unit, Q3)
    assert (report.summary.ikm, report.rounding, report.weight_convention) == (Decimal(expected), rounding, convention)
    assert report.summary.grade.mutu == "B"
    # The run's own stored unit IKM is the same figure: the report prints what the run computed.
    assert run.parameters["skm_rounding"] == rounding
    if rounding == "nrr2":
        assert report.lines[1].nrr == Decimal("3.280")  # U2: 393/120 = 3.275 → 3.28


def test_the_follow_up_plan_is_kept_per_period_across_recomputed_runs_and_signing_is_by_the_head(
    office: Office, build
) -> None:
    _worked_example(office)
    compute_score_run(office.unit, Q3, "t")
    head_employee = build.employee(office.unit, name="Dr. Kepala Unit", nip="197001012000031001")
    head = build.user("kepala", {"head"}, unit=office.unit, employee=head_employee)
    with pytest.raises(SkmReportError) as refused:
        sign_report(office.unit, Q3, head)
    assert refused.value.code == "no_plan"
    save_report_text(office.unit, Q3, follow_up_plan="Tambah loket U3.", conclusion_note=None, by="admin")
    set_population(office.unit, "2026-Q3", 400, by="admin")
    db.session.commit()
    sign_report(office.unit, Q3, head)
    db.session.commit()
    compute_score_run(office.unit, Q3, "t")  # a recomputed run keeps the text and the signature
    db.session.commit()
    report = skm_report(office.unit, Q3)
    assert report.note.follow_up_plan == "Tambah loket U3."
    assert (report.note.signed_name, report.note.signed_nip, report.note.signed_on) == (
        "Dr. Kepala Unit",
        "197001012000031001",
        date(2026, 10, 14),
    )
    # No tickets in this unit: N is the number the unit entered, and the run says so.
    assert (report.sample.population, report.population_source) == (400, "admin_entered")
    assert (report.sample.minimum_sample, report.sample.adequate) == (196, False)
    save_report_text(office.unit, Q3, follow_up_plan="Rencana baru.", conclusion_note=None, by="x")
    db.session.commit()
    assert skm_report(office.unit, Q3).note.signed_on is None  # changed text, no signature
    other_head = build.user("kepala-lain", {"head"}, unit=build.unit(), employee=build.employee())
    with pytest.raises(SkmReportError):
        sign_report(office.unit, Q3, other_head)


def test_the_workbook_opens_and_carries_the_figures(app, office: Office) -> None:
    _worked_example(office)
    compute_score_run(office.unit, Q3, "t")
    db.session.commit()
    report = skm_report(office.unit, Q3)
    with app.test_request_context():
        content = report_workbook(report, workbook_texts(report))
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["Ringkasan", "NRR per unsur", "Profil responden", "Tren", "Tindak lanjut"]
    summary = {row[0]: row[1] for row in book["Ringkasan"].iter_rows(values_only=True)}
    assert summary["IKM"] == pytest.approx(83.91) and summary["Responden"] == 120
    nrr = list(book["NRR per unsur"].iter_rows(values_only=True))
    assert nrr[1][:6] == ("U1", "Persyaratan", 0, 4, 70, 46)
    assert nrr[-1][9] == pytest.approx(83.91)


def test_a_period_without_a_run_reports_that_it_has_no_figures(office: Office) -> None:
    report = skm_report(office.unit, Q3)
    assert (report.run, report.summary, report.n) == (None, None, 0)
