"""The one progress bar of the command-line tools: drawn on a terminal, silent in scripts and with ``--quiet``."""

from __future__ import annotations

import io

from feedback_app.cli.common import progress, shows_bar
from feedback_app.extensions import db

NIP = "198503152010011002"


class Terminal(io.StringIO):
    """Standard output as a terminal sees it."""

    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_bar_that_reaches_the_end():
    out = Terminal()
    with progress(["a", "b", "c"], "Impor pegawai", file=out) as bar:
        seen = list(bar)
    assert seen == ["a", "b", "c"] and bar.shown
    drawn = out.getvalue()
    assert "Impor pegawai" in drawn and "3/3" in drawn and "\r" in drawn


def test_a_pipe_or_quiet_gets_nothing_but_the_items():
    for out, quiet in ((io.StringIO(), False), (Terminal(), True)):
        with progress(["a", "b"], "Impor pegawai", file=out, quiet=quiet) as bar:
            assert list(bar) == ["a", "b"]
            bar.update(5)  # counting steps on a hidden bar is harmless
        assert out.getvalue() == "" and not bar.shown
    assert shows_bar(file=Terminal()) and not shows_bar(quiet=True, file=Terminal())
    assert not shows_bar(file=io.StringIO())


def test_steps_without_items_count_up_to_the_length():
    out = Terminal()
    with progress(label="Score runs 2026-Q3", length=4, file=out) as bar:
        for _ in range(4):
            bar.update()
    assert "4/4" in out.getvalue()


def test_roster_import_in_a_script_prints_results_but_no_bar(app, build, tmp_path):
    unit = build.unit(slug="kota-bogor")
    build.counter(unit, public_code="BGR01")
    build.employee(unit, nip=NIP)
    db.session.commit()
    path = tmp_path / "jadwal.csv"
    path.write_text(f"nip,counter,date,start,end\n{NIP},BGR01,2026-10-14,08:00,15:00\n", encoding="utf-8")
    runner = app.test_cli_runner()
    for extra in ([], ["--quiet"]):
        result = runner.invoke(args=["roster", "import", str(path), *extra])
        assert result.exit_code == 0, result.output
        assert "Memeriksa jadwal" not in result.output  # CliRunner's stdout is not a terminal
        assert "Ringkasan: 1 baris siap" in result.output


def test_scores_compute_quiet_prints_no_step_lines(app, build, clock):
    unit = build.unit(slug="kecil")
    build.counter(unit)
    db.session.commit()
    runner = app.test_cli_runner()
    chatty = runner.invoke(args=["scores", "compute", "--period", "2026-Q3", "--no-progress"])
    assert "kecil: statistics done" in chatty.output
    quiet = runner.invoke(args=["scores", "compute", "--period", "2026-Q3", "--quiet"])
    assert quiet.exit_code == 0, quiet.output
    assert "done" not in quiet.output and "Score runs" not in quiet.output
    assert "kecil 2026-Q3: run #" in quiet.output
