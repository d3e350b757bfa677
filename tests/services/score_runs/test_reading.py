"""Reading a score run: the read API the staff, supervisor, HR and public pages use (spec §6, §7)."""

from __future__ import annotations

from decimal import Decimal

from feedback_app.extensions import db
from feedback_app.services.score_runs import (
    compute_score_run,
    current_run,
    employee_rows,
    final_run,
    run_history,
    run_report,
    unit_rows,
)
from scoring import parse_period
from tests.services.score_runs.office import Q3, Office, stored

Q4 = parse_period("2026-Q4")  # the clock stands in October 2026: Q4 is still running


def test_the_final_run_is_the_current_one_once_it_is_neither_provisional_nor_superseded(office: Office) -> None:
    office.answers(80)
    running = compute_score_run(office.unit, Q4, "t")
    db.session.commit()
    assert current_run(office.unit, Q4.id) == running and running.provisional
    assert final_run(office.unit, Q4.id) is None

    first = compute_score_run(office.unit, Q3, "t")
    db.session.commit()
    assert final_run(office.unit, Q3.id) == first
    second = compute_score_run(office.unit, Q3, "t")
    db.session.commit()
    assert final_run(office.unit, Q3.id) == second
    assert [run.id for run in run_history(office.unit, Q3.id)] == [second.id, first.id]
    assert final_run(office.unit, "2026-Q2") is None


def test_unit_rows_and_employee_rows_are_a_runs_stored_rows_by_code(office: Office, build) -> None:
    office.answers(120)
    run = compute_score_run(office.unit, Q3, "t")
    db.session.commit()
    rows = stored(run)

    unit = unit_rows(run)
    assert unit == {code: row for (who, code), row in rows.items() if who is None}
    assert {"ikm", "ikp", "on_time_rate", "predikat_distribution"} <= set(unit)
    assert Decimal(unit["ikm"].explanation["summary"]["ikm"]) == unit["ikm"].value

    ani = employee_rows(run, office.ani.id)
    assert ani == {code: row for (who, code), row in rows.items() if who == office.ani.id}
    assert {"ikm", "ikp", "hasil_kerja", "perilaku", "predikat"} <= set(ani)
    assert ani["ikp"].n == len(office.counted(office.ani))
    assert employee_rows(run, office.elsewhere.id) == {}  # works in another unit: not scored here


def test_the_report_lists_the_units_rows_and_each_employees_figure_by_name(office: Office) -> None:
    office.answers(60)
    run = compute_score_run(office.unit, Q3, "t")
    db.session.commit()
    report = run_report(run)
    assert report.unit_rows == unit_rows(run)
    assert [figure.name for figure in report.employees] == ["Ani", "Budi", "Sari"]
    ani = next(figure for figure in report.employees if figure.name == "Ani")
    assert (ani.value, ani.n, ani.status) == (
        employee_rows(run, office.ani.id)["ikp"].value,
        employee_rows(run, office.ani.id)["ikp"].n,
        employee_rows(run, office.ani.id)["ikp"].status,
    )
