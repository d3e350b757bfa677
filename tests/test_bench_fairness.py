"""The fairness simulation (bench/fairness.py): ``--small`` writes every table, prints every parameter, repeats
itself exactly, and its figures come from the real scoring functions (issue 15)."""

from __future__ import annotations

import random
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from bench import fairness
from scoring import ikp_indicator

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.bench
def test_the_small_run_writes_its_tables_with_every_parameter_and_repeats_exactly(tmp_path: Path) -> None:
    outputs = []
    for name in ("one.md", "two.md"):
        target = tmp_path / name
        done = subprocess.run(
            [sys.executable, "-m", "bench.fairness", "--small", "--quiet", "--output", str(target)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
        assert "simulated in" in done.stderr
        outputs.append(target.read_text(encoding="utf-8"))
    assert outputs[0] == outputs[1]  # seeded: the same arguments give the same report
    text = outputs[0]
    for key in ("seeds", "rater_bias", "quality_sd", "counter_hard_share", "shrinkage_k", "n_levels"):
        assert f"| {key} |" in text
    for metric in fairness.METRIC_NAMES.values():
        assert f"**{metric}**" in text
    assert "| 5 | " in text and "| 30 | " in text
    assert "Service-mix scenario, n = 30:" in text and "headline_estimate" in text


def test_the_committed_report_covers_n_5_to_300_and_states_all_three_estimates_at_30() -> None:
    text = (ROOT / "docs" / "fairness.md").read_text(encoding="utf-8")
    for n in (5, 10, 30, 100, 300):
        assert f"| {n} | " in text
    assert "At n = 30 the adjusted estimate" in text and "raw " in text and "shrunk " in text
    for n in (10, 30, 100):
        assert f"Service-mix scenario, n = {n}:" in text
    assert "(this code's default: `ikp_adjusted`)" in text and "**`ikp_adjusted`**" in text


def test_the_estimates_are_the_scoring_functions_and_the_truth_orders_like_quality() -> None:
    settings = replace(fairness.SMALL, n_levels=(30,))
    employees = fairness.simulate_unit(0, settings, "service_mix", random.Random("t"))
    estimates, truth, _flagged = fairness._score_unit(employees, 30, settings)
    unit = fairness._stats([a for e in employees for a in e.answers[:30]])
    first = ikp_indicator(fairness._stats(employees[0].answers[:30]), unit)
    assert estimates["raw"][0] == float(first.raw) and estimates["shrunk"][0] == float(first.shrunk)
    assert sorted(range(len(truth)), key=truth.__getitem__) == sorted(
        range(len(employees)), key=lambda i: employees[i].quality
    )
    assert fairness.spearman([1, 2, 3], [3, 2, 1]) == -1.0
