"""``flask scores``: compute runs on the demo data, read them back, set a unit's parameters (spec §1–§3, §6)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from fractions import Fraction

from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import ScoreIndicator, ScoreRun, SurveyResponse, Unit, UnitScoringParameters
from feedback_app.services.score_runs import current_run, indicator_rows
from scoring import parse_period


def rows_of(run: ScoreRun) -> list[tuple]:
    return [(r.employee_id, r.code, r.value, r.n, r.status, r.explanation) for r in indicator_rows(run)]


def test_compute_and_show_on_the_demo_data(app, clock) -> None:
    clock.set(datetime(2026, 11, 26, 5, 0, tzinfo=UTC))  # as in test_demo_data: Q2 and Q3 are full quarters
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo-data"]).exit_code == 0

    one = runner.invoke(
        args=[
            "scores",
            "compute",
            "--period",
            "2026-Q3",
            "--unit",
            "dukcapil-bogor",
            "--no-progress",
            "--by",
            "operator",
        ]
    )
    assert one.exit_code == 0, one.output
    bogor = db.session.scalar(select(Unit).where(Unit.slug == "dukcapil-bogor"))
    first = current_run(bogor, "2026-Q3")
    assert first is not None and not first.provisional and first.created_by == "operator"
    ikm = db.session.scalar(
        select(ScoreIndicator).where(
            ScoreIndicator.run_id == first.id, ScoreIndicator.employee_id.is_(None), ScoreIndicator.code == "ikm"
        )
    )
    # The printed IKM is the stored one, and equals 25 × mean of the nine NRR over the valid Q3 answers.
    start = datetime(2026, 7, 1, tzinfo=bogor.zone)
    end = datetime(2026, 10, 1, tzinfo=bogor.zone)
    sums = db.session.execute(
        select(func.count(), *(func.sum(getattr(SurveyResponse, f"u{i}")) for i in range(1, 10))).where(
            SurveyResponse.unit_id == bogor.id,
            SurveyResponse.status == "valid",
            SurveyResponse.counted_at >= start,
            SurveyResponse.counted_at < end,
        )
    ).one()
    n, totals = sums[0], sums[1:]
    exact = Fraction(25 * sum(totals), 9 * n)
    assert abs(Fraction(ikm.value) - exact) <= Fraction(1, 200)
    assert f"dukcapil-bogor 2026-Q3: run #{first.id}; {n} valid responses; IKM {ikm.value:.2f}, mutu" in one.output
    assert "statistics done" in one.output and "storing done" in one.output

    # Without --unit every unit with counters is scored; the parent instansi (no counters) is not.
    every = runner.invoke(args=["scores", "compute", "--period", "2026-Q3", "--no-progress"])
    assert every.exit_code == 0, every.output
    assert re.findall(r"^(\S+) 2026-Q3: run #", every.output, re.M) == ["dukcapil-bogor", "puskesmas-kassi-kassi"]
    db.session.expire_all()
    second = current_run(bogor, "2026-Q3")
    assert second.id != first.id and db.session.get(ScoreRun, first.id).superseded_by_id == second.id
    assert rows_of(first) == rows_of(second)  # same data, same parameters → the same indicators

    shown = runner.invoke(args=["scores", "show", "--unit", "dukcapil-bogor", "--period", "2026-Q3"])
    assert shown.exit_code == 0, shown.output
    assert f"run #{second.id}, current" in shown.output and "k = 20, publication threshold = 30" in shown.output
    assert "on time = finished_minus_issued_within_counter_standard" in shown.output
    lines = shown.output.splitlines()
    table = lines[next(i for i, line in enumerate(lines) if line.startswith("employee")) + 1 :]
    assert len(table) == 10  # the ten employees assigned to the unit
    below = [int(m.group(1)) for line in table if (m := re.search(r" (\d+)  no: data belum cukup \(n < 30\)", line))]
    # The supervisor served nobody (n = 0) and the relief worker stood in a few days (0 < n < 30).
    assert sorted(n > 0 for n in below) == [False, True] and max(below) < 30
    assert sum(line.endswith("  yes") for line in table) == 8
    history = runner.invoke(args=["scores", "show", "--unit", "dukcapil-bogor", "--period", "2026-Q3", "--history"])
    assert f"#{first.id} " in history.output and f"superseded by #{second.id}" in history.output
    old = runner.invoke(
        args=["scores", "show", "--unit", "dukcapil-bogor", "--period", "2026-Q3", "--run", str(first.id)]
    )
    assert f"superseded by run #{second.id}" in old.output

    current = runner.invoke(
        args=["scores", "compute", "--period", "2026-Q4", "--unit", "puskesmas-kassi-kassi", "--no-progress"]
    )
    assert "PROVISIONAL (period not over yet)" in current.output


def test_a_progress_bar_when_asked_and_errors_in_plain_words(app, build, clock) -> None:
    unit = build.unit(slug="kecil")
    build.counter(unit)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["scores", "compute", "--period", "2026-Q3", "--progress"])
    assert result.exit_code == 0, result.output
    assert "Score runs 2026-Q3" in result.output and "IKM not available (no valid responses)" in result.output
    assert "statistics done" not in result.output

    bad_period = runner.invoke(args=["scores", "compute", "--period", "2026-Q5"])
    assert bad_period.exit_code == 2 and "the quarter must be Q1, Q2, Q3 or Q4" in bad_period.output
    bad_unit = runner.invoke(args=["scores", "compute", "--period", "2026-Q3", "--unit", "tidak-ada"])
    assert bad_unit.exit_code == 2 and "no unit with slug 'tidak-ada'" in bad_unit.output
    future = runner.invoke(args=["scores", "compute", "--period", "2027", "--unit", "kecil"])
    assert future.exit_code == 1 and "has not started yet" in future.output
    missing = runner.invoke(args=["scores", "show", "--unit", "kecil", "--period", "2026-Q2"])
    assert missing.exit_code == 1 and "no score run for kecil and 2026-Q2" in missing.output


def test_parameters_are_set_per_unit_and_used_by_the_next_run(app, build, clock) -> None:
    unit = build.unit(slug="param")
    build.counter(unit)
    db.session.commit()
    runner = app.test_cli_runner()

    shown = runner.invoke(args=["scores", "params", "--unit", "param"])
    assert "shrinkage_k = 20  (default)" in shown.output and "publication_threshold = 30  (default)" in shown.output
    changed = runner.invoke(
        args=[
            "scores",
            "params",
            "--unit",
            "param",
            "--set",
            "shrinkage_k=5",
            "--set",
            "ikp_unsur=u6,u7",
            "--set",
            "weight_convention=0.111",
        ]
    )
    assert changed.exit_code == 0, changed.output
    assert "shrinkage_k = 5\n" in changed.output and "ikp_unsur = ['U6', 'U7']\n" in changed.output
    refused = runner.invoke(args=["scores", "params", "--unit", "param", "--set", "publication_threshold=0"])
    assert refused.exit_code == 1 and "publication_threshold must be at least 1" in refused.output
    assert runner.invoke(args=["scores", "params", "--unit", "param", "--set", "oops"]).exit_code == 2
    not_a_number = runner.invoke(args=["scores", "params", "--unit", "param", "--set", "shrinkage_k=banyak"])
    assert not_a_number.exit_code == 1 and "shrinkage_k must be a whole number; got 'banyak'" in not_a_number.output
    unequal = runner.invoke(args=["scores", "params", "--unit", "param", "--set", "weight_convention=u1=1/2,U2=1/3"])
    assert unequal.exit_code == 1 and "must sum to exactly 1" in unequal.output

    db.session.expire_all()
    assert db.session.get(UnitScoringParameters, unit.id).parameters["shrinkage_k"] == 5
    assert runner.invoke(args=["scores", "compute", "--period", "2026-Q3", "--unit", "param"]).exit_code == 0
    run = current_run(unit, parse_period("2026-Q3").id)
    assert (run.parameters["shrinkage_k"], run.parameters["ikp_unsur"]) == (5, ["U6", "U7"])
    clock.advance(timedelta(minutes=1))
    reset = runner.invoke(args=["scores", "params", "--unit", "param", "--set", "shrinkage_k="])
    assert "shrinkage_k = 20  (default)" in reset.output


def test_verify_recomputes_a_run_names_what_differs_and_says_when_inputs_are_past_retention(app, clock) -> None:
    clock.set(datetime(2026, 11, 26, 5, 0, tzinfo=UTC))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    computed = runner.invoke(
        args=["scores", "compute", "--period", "2026-Q3", "--unit", "dukcapil-bogor", "--no-progress"]
    )
    assert computed.exit_code == 0, computed.output
    # the run just computed (the demo data computes runs of its own too)
    run = db.session.scalar(select(ScoreRun).where(ScoreRun.period_id == "2026-Q3").order_by(ScoreRun.id.desc()))
    name = f"run #{run.id} (dukcapil-bogor 2026-Q3)"

    same = runner.invoke(args=["scores", "verify", str(run.id)])
    assert same.exit_code == 0 and f"{name}: identical" in same.output, same.output
    alias = runner.invoke(args=["scores", "verify", "--run", str(run.id)])  # the old spelling still works
    assert alias.exit_code == 0 and f"{name}: identical" in alias.output

    answer = db.session.scalars(
        select(SurveyResponse).where(
            SurveyResponse.unit_id == run.unit_id,
            SurveyResponse.status == "valid",
            SurveyResponse.counted_at.between(datetime(2026, 8, 1, tzinfo=UTC), datetime(2026, 9, 1, tzinfo=UTC)),
        )
    ).first()
    answer.status = "excluded"
    db.session.commit()
    changed = runner.invoke(args=["scores", "verify", str(run.id)])
    assert changed.exit_code == 1 and f"{name}: responses_by_status was" in changed.output
    assert "indicator rows differ: " in changed.output and "unit ikp," in changed.output
    assert f"{name}: differs: input responses_valid: " in changed.output and "not identical" in changed.output

    clock.set(datetime(2031, 10, 2, 5, 0, tzinfo=UTC))  # five years on, July 2026 is past retention
    gone = runner.invoke(args=["scores", "verify", "--run", str(run.id)])
    assert gone.exit_code == 0, gone.output
    assert f"{name}: inputs past retention: answers and tickets before 2026-10-01 (UTC)" in gone.output
    assert runner.invoke(args=["scores", "verify", "--run", "999999"]).exit_code == 1
