"""The history-growth benchmark: ``--small`` completes on PostgreSQL and writes only its own section."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import need_service

ROOT = Path(__file__).resolve().parent.parent
OTHER_SECTION = "<!-- bench:scoring -->\n## Score run\n\nanother benchmark's figures\n<!-- /bench:scoring -->"


def test_small_run_measures_every_size_and_writes_only_its_section(tmp_path: Path) -> None:
    url = os.environ.get("TEST_DATABASE_URL")
    need_service("PostgreSQL for the history benchmark (TEST_DATABASE_URL)", bool(url))
    report = tmp_path / "benchmarks.md"
    report.write_text(f"# Benchmarks\n\n{OTHER_SECTION}\n", encoding="utf-8")
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "FLASK_APP")}
    completed = subprocess.run(
        [sys.executable, "bench/history.py", "--small", "--sizes", "1,3", "--posts", "5", "--report", str(report)],
        cwd=ROOT,
        env={**environment, "TEST_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    (line,) = [line for line in completed.stdout.splitlines() if line.startswith("BENCH-SUMMARY ")]
    sizes = json.loads(line.removeprefix("BENCH-SUMMARY "))
    assert [size["years"] for size in sizes] == [1, 3]
    assert sizes[1]["tickets"] == 3 * sizes[0]["tickets"] == 9_000
    assert all(size["score_run_s"] > 0 and size["post_median_ms"] > 0 for size in sizes)
    text = report.read_text(encoding="utf-8")
    assert OTHER_SECTION in text and text.count("<!-- bench:history -->") == 1
    assert "| 3 year(s) | " in text


def test_the_benchmark_refuses_to_run_without_postgresql(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    completed = subprocess.run(
        [sys.executable, "bench/history.py", "--small", "--no-docs"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 2 and "needs PostgreSQL" in completed.stdout
