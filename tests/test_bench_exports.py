"""bench/exports.py on a tiny size: every mode runs in its own process, and the report is its own section."""

from __future__ import annotations

import pytest

from bench import exports


@pytest.mark.bench
def test_the_export_benchmark_measures_each_mode_and_writes_only_its_section(tmp_path, capsys):
    report = tmp_path / "benchmarks.md"
    other = "<!-- bench:scoring -->\nother figures\n<!-- /bench:scoring -->"
    report.write_text(f"# Benchmarks\n\n{other}\n", encoding="utf-8")
    code = exports.main(["--sizes", "500,3000", "--report", str(report)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "streamed" in out and "3,000 rows" in out
    text = report.read_text(encoding="utf-8")
    assert other in text and text.count("<!-- bench:exports -->") == 1
    assert "| 3,000 | streamed |" in text and "| 3,000 | baseline |" in text


def test_the_default_run_measures_100k_and_1m():
    assert exports.parse_args([]).sizes == "100000,1000000"
