"""bench/pages.py runs end to end on a tiny size: the page answers, its statement count is fixed."""

from __future__ import annotations

import pytest

from bench import pages


@pytest.mark.bench
def test_the_page_benchmark_measures_the_staff_page(tmp_path, capsys):
    code = pages.main(["--sqlite", "--responses", "3000", "--employees", "30", "--requests", "3", "--no-docs"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "3,000 responses" in out and "statements" in out


def test_the_full_run_measures_the_one_million_reference_first():
    options = pages.parse_args([])
    assert options.baseline == [pages.BASELINE] and options.size == pages.FULL
    assert pages.parse_args(["--small"]).baseline == []


@pytest.mark.parametrize("argv", [["--responses", "5000"], ["--small"]])
def test_explicit_and_smoke_sizes_run_alone(argv):
    assert pages.parse_args(argv).baseline == []
