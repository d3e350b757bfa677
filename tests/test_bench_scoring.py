"""The score-run benchmark: ``--small`` completes, the app's figures equal DuckDB's, and its report section is sound.

The smoke run uses a temporary SQLite file and a temporary copy of ``docs/benchmarks.md`` (``--report``), so the
committed figures are never touched. The in-process test shows the equality check can fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench import _report
from bench.scoring.cli import parse_args
from bench.scoring.data import generate
from bench.scoring.database import app_config, migrate, sqlite_target
from bench.scoring.end_to_end import period_seconds
from bench.scoring.floor import Floor, duckdb_floor, export_csv
from bench.scoring.run import time_score_run
from bench.scoring.settings import FULL, PERIOD, UNIT_SLUG, Size
from bench.scoring.verify import CHECKED_CODES, UNIT_ONLY_CODES, verify
from feedback_app import create_app
from feedback_app.extensions import db
from feedback_app.models import Unit
from feedback_app.services.sufficient_statistics import employee_and_unit_service_times, service_time_stats
from scoring import parse_period, service_time_indicators

ROOT = Path(__file__).resolve().parent.parent
OTHER_SECTION = "<!-- bench:survey_load -->\n## Survey load\n\nanother benchmark's figures\n<!-- /bench:survey_load -->"


def bench_env() -> dict[str, str]:
    """The environment without a configured database: the bench must not reach for anyone's PostgreSQL."""
    return {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL", "FLASK_APP")}


@pytest.mark.bench
def test_small_run_completes_equals_duckdb_and_writes_only_its_section(tmp_path: Path) -> None:
    report = tmp_path / "benchmarks.md"
    report.write_text(f"# Benchmarks\n\n{OTHER_SECTION}\n", encoding="utf-8")
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.scoring",
            "--small",
            "--sqlite",
            "--report",
            str(report),
            "--workdir",
            str(tmp_path / "work"),
        ],
        cwd=ROOT,
        env=bench_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "checks passed" in completed.stdout

    (line,) = [line for line in completed.stdout.splitlines() if line.startswith("BENCH-SUMMARY ")]
    (summary,) = json.loads(line.removeprefix("BENCH-SUMMARY "))
    assert summary["size"] == {"responses": 20_000, "tickets": 20_000, "employees": 100}
    assert summary["database"].startswith("SQLite")
    # The unit IKM the app stored equals the one computed from DuckDB's aggregation of the same rows, exactly.
    assert summary["unit_ikm_app"] is not None and summary["unit_ikm_app"] == summary["unit_ikm_duckdb"]
    unit_ikm = Fraction(summary["unit_ikm_app"])  # exact, as text: e.g. "2064/25"
    assert 25 <= unit_ikm <= 100
    assert summary["unit_n"] > 15_000 and summary["problems"] == []
    # every employee's figures and the unit's; the complaint desk's speed is the unit's only (spec §2.4)
    assert summary["figures_checked"] == 100 * (len(CHECKED_CODES) - len(UNIT_ONLY_CODES)) + len(CHECKED_CODES)
    assert all(seconds > 0 for seconds in summary["run_seconds"]) and summary["duckdb_aggregate_seconds"] > 0

    text = report.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n") and OTHER_SECTION in text  # the other section is kept as it was
    begin, end = _report.markers("scoring")
    assert text.count(begin) == text.count(end) == 1 and text.index(begin) < text.index(end)
    section = text[text.index(begin) : text.index(end) + len(end)]
    assert _report.section_name(section) == "scoring"
    assert "| 100 employees | 20,000 responses" in section and "| yes |" in section
    assert f"unit IKM {float(unit_ikm):.2f}" in section
    assert "Slowest statements" in section and "`satisfaction_stats_by_channel`" in section
    assert not (tmp_path / "work" / "scoring-small.db").exists()  # cleaned up


def test_a_small_run_does_not_replace_the_committed_figures_unless_asked() -> None:
    assert parse_args(["--small"]).no_docs
    assert not parse_args(["--small", "--report", "x.md"]).no_docs
    assert not parse_args([]).no_docs and parse_args([]).size == FULL
    with pytest.raises(SystemExit):
        parse_args(["--small", "--responses", "5"])


@pytest.mark.bench
def test_the_check_against_duckdb_catches_a_wrong_figure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same pieces in process on tiny data: equal as generated, and a changed count or IKM is reported."""
    for variable in ("DATABASE_URL", "TEST_DATABASE_URL"):
        monkeypatch.delenv(variable, raising=False)
    size = Size(3_000, 3_000, 12)
    target = sqlite_target(tmp_path / "tiny.db")
    migrate(target)
    rows, _times = generate(target, size, seed=7, workdir=tmp_path)
    assert rows["survey_responses"] == 3_000 and rows["tickets"] == 3_000 and rows["employees"] == 12
    run = time_score_run(target, PERIOD)
    assert set(run.phases) == {"statistics", "inputs", "scoring", "storing", "commit"}
    assert run.input_counts["employees"] == 12 and not run.plans
    paths, _seconds, _bytes = export_csv(target, tmp_path)
    floor = duckdb_floor(paths, *period_seconds(PERIOD))

    problems, shown = verify(target, run, floor)
    assert problems == [] and shown["unit_ikm_app_exact"] == shown["unit_ikm_floor_exact"]

    # The run reads employees and the unit in one go: the same as asking for each grouping on its own.
    app = create_app(app_config(target.url))
    with app.app_context():
        unit = db.session.scalar(select(Unit).where(Unit.slug == UNIT_SLUG))
        period = parse_period(PERIOD)
        employees, whole = employee_and_unit_service_times(unit, period)
        assert employees == service_time_stats(unit, period, "employee") and len(employees) == 12
        assert whole == service_time_stats(unit, period, "unit") and whole.tickets_issued == floor_tickets(floor)
        db.session.remove()
        db.engine.dispose()

    employee = min(key for key in floor.satisfaction if key is not None)
    numbers = list(floor.satisfaction[employee])
    numbers[1], numbers[2] = numbers[1] + 1, numbers[2] - 1  # one answer U1=1 counted as U1=2 instead
    wrong_count = replace(floor, satisfaction={**floor.satisfaction, employee: tuple(numbers)})
    problems, _shown = verify(target, run, wrong_count)
    assert any(f"employee {employee} ikm" in problem for problem in problems)
    assert not any("unit IKM" in problem for problem in problems)  # Σ answers unchanged: the IKM still agrees

    numbers = list(floor.satisfaction[employee])
    numbers[37] += 1000  # Σ of the nine answers higher: another unit IKM
    wrong_sum = replace(floor, satisfaction={**floor.satisfaction, employee: tuple(numbers)})
    problems, _shown = verify(target, run, wrong_sum)
    assert any("unit IKM" in problem for problem in problems)

    key = next(key for key in floor.percentiles if key[0] == "wait" and key[1] == employee)
    n, p50, p90 = floor.percentiles[key]
    wrong_median = replace(floor, percentiles={**floor.percentiles, key: (n, p50 + 1, p90)})
    problems, _shown = verify(target, run, wrong_median)
    assert problems == [
        f"employee {employee} wait_median_minutes: app {{'wait_n': {n}, 'wait_p50_seconds': {p50}}}, "
        f"DuckDB {{'wait_n': {n}, 'wait_p50_seconds': {p50 + 1}}}"
    ]


def floor_tickets(floor: Floor) -> int:
    """Tickets DuckDB counted in the period, served by someone or by nobody recorded."""
    return sum(counts[0] for counts in floor.tickets.values())


def test_report_replaces_only_its_own_section(tmp_path: Path) -> None:
    path = tmp_path / "benchmarks.md"
    first = "<!-- bench:scoring -->\nfirst\n<!-- /bench:scoring -->"
    _report.write_docs(first, path)  # a missing file is created with a title
    assert path.read_text(encoding="utf-8") == f"# Benchmarks\n\n{first}\n"
    path.write_text(f"# Benchmarks\n\n{OTHER_SECTION}\n\n{first}\n\ntail\n", encoding="utf-8")
    _report.write_docs("<!-- bench:scoring -->\nsecond\n<!-- /bench:scoring -->\n", path)
    assert path.read_text(encoding="utf-8") == (
        f"# Benchmarks\n\n{OTHER_SECTION}\n\n<!-- bench:scoring -->\nsecond\n<!-- /bench:scoring -->\n\ntail\n"
    )
    malformed = ("no markers", "<!-- bench:scoring -->\nunclosed", "<!-- bench:scoring -->\n<!-- /bench:other -->")
    for section in malformed:
        with pytest.raises(ValueError):
            _report.write_docs(section, path)


def test_a_run_that_fails_half_way_leaves_nothing_behind(build, clock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows are written while a run is computed; a scoring error half-way takes them back (and the run row)."""
    from feedback_app.models import EmployeeAssignment, ScoreIndicator, ScoreRun
    from feedback_app.services import score_runs
    from feedback_app.services.score_runs import compute, rows
    from scoring import InvalidStatistics

    unit = build.unit(slug="gagal")
    for _ in range(6):
        db.session.add(
            EmployeeAssignment(
                employee=build.employee(), unit=unit, position="Petugas", valid_from=parse_period("2026").start
            )
        )
    db.session.commit()
    earlier = score_runs.compute_score_run(unit, parse_period("2026-Q3"), "first")
    db.session.commit()
    rows_before = db.session.scalar(select(func.count()).select_from(ScoreIndicator))

    calls = []

    def failing(stats, parameters):  # the fourth employee's service times cannot be scored
        calls.append(stats)
        if len(calls) == 4:
            raise InvalidStatistics("broken on purpose")
        return service_time_indicators(stats, parameters)

    monkeypatch.setattr(rows, "INDICATOR_BATCH", 10)  # batches were written before the error
    monkeypatch.setattr(compute, "service_time_indicators", failing)
    with pytest.raises(score_runs.ScoreRunError, match="broken on purpose"):
        score_runs.compute_score_run(unit, parse_period("2026-Q3"), "second")
    assert db.session.scalar(select(func.count()).select_from(ScoreIndicator)) == rows_before
    assert db.session.scalars(select(ScoreRun.created_by)).all() == ["first"]
    assert score_runs.current_run(unit, "2026-Q3") == earlier
