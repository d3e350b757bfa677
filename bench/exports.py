"""Export benchmark: peak memory of the raw-response export for 100 k and 1 M responses (issue 14 item 2).

What it measures
    One unit, one counter and 50 employees with N valid responses of 2025 (every tenth with a comment), generated
    in SQL into a temporary SQLite file migrated by the real migrations. Each measurement is its own child process
    (so each peak is its own): it boots the app and writes ``GET /sdm/ekspor/respons.csv``'s rows to a file
    through the same service (services/exports/raw_responses.py) and CSV writer (services/tabular.py).

    - ``baseline``: the same child exporting an empty period (the app's own footprint: imports, app, one query);
    - ``streamed``: the export as the app does it (server-side cursor in batches, CSV in 64 kB chunks);
    - ``materialised``: the same rows collected into a list first (what the export must not do), for contrast.

    Flat in the number of rows means: ``streamed`` minus ``baseline`` does not grow with N.

Run (from the repository root)
    .venv/bin/python bench/exports.py                     # 100,000 and 1,000,000 responses
    .venv/bin/python bench/exports.py --sizes 2000,20000 --no-docs   # smoke run (the test suite's quick form)

Output
    The console report, a ``BENCH-SUMMARY {json}`` line, and unless --no-docs the ``<!-- bench:exports -->``
    section of docs/benchmarks.md (or of --report FILE).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _report
from bench._common import ROOT, log, machine

NAME = "exports"
SIZES = (100_000, 1_000_000)
EMPLOYEES = 50
PERIOD = "2025"
#: Streamed growth from the smallest to the largest size above which the export is not flat (MB).
FLAT_LIMIT_MB = 20.0
MODES = ("baseline", "streamed", "materialised")


def _config(url: str) -> dict[str, object]:
    return {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-exports", "QR_SIGNING_KEY": "bench-exports"}


def generate(path: Path, responses: int) -> float:
    """Migrate a fresh SQLite file and fill it with ``responses`` answers of 2025, in SQL; the seconds it took."""
    started = time.perf_counter()
    from flask_migrate import upgrade

    from feedback_app import create_app
    from feedback_app.extensions import db

    app = create_app(_config(f"sqlite:///{path}"))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    connection = sqlite3.connect(path)
    with connection:
        connection.execute(
            "INSERT INTO units (id, name, slug, kind, timezone, public_employee_ratings) "
            "VALUES (1, 'Disdukcapil Bench', 'bench', 'dukcapil', 'Asia/Jakarta', 0)"
        )
        connection.execute(
            "INSERT INTO counters (id, unit_id, public_code, name, active, poster_version) "
            "VALUES (1, 1, 'BEN01', 'Loket 1', 1, 1)"
        )
        connection.executemany(
            "INSERT INTO employees (id, nip, name, employment_type) VALUES (?, ?, ?, 'PNS')",
            [(i, f"19850315201001{1 + i % 2}{i:03d}", f"Pegawai {i}") for i in range(1, EMPLOYEES + 1)],
        )
        start = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())
        span = 364 * 86400
        answers = ", ".join(f"1 + (i / {3**k}) % 4" for k in range(9))
        connection.execute(
            f"""
            WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < {responses - 1})
            INSERT INTO survey_responses (unit_id, counter_id, employee_id, attribution_source, channel,
                u1, u2, u3, u4, u5, u6, u7, u8, u9, comment, locale, client_fingerprint, submission_key, status,
                submitted_at, counted_at)
            SELECT 1, 1, 1 + i % {EMPLOYEES}, 'roster', 'counter_qr', {answers},
                CASE WHEN i % 10 = 0 THEN 'Pelayanan cepat, hubungi 08123456' || printf('%04d', i % 10000) END,
                'id', printf('%032d', i), printf('k%031d', i), 'valid',
                strftime('%Y-%m-%d %H:%M:%f000', {start} + i * {span} / {responses}, 'unixepoch'),
                strftime('%Y-%m-%d %H:%M:%f000', {start} + i * {span} / {responses}, 'unixepoch')
            FROM s
            """
        )
    connection.close()
    return time.perf_counter() - started


def child(url: str, mode: str, out: Path) -> dict[str, float | int]:
    """One measurement in this process: boot the app, export, report the peak RSS (MB), rows and seconds."""
    from feedback_app import create_app
    from feedback_app.services.exports.raw_responses import RawExport, raw_rows, raw_sheet
    from feedback_app.services.tabular import csv_chunks
    from scoring import parse_period

    app = create_app(_config(url))
    started = time.perf_counter()
    rows = 0
    with app.app_context(), out.open("w", encoding="utf-8", newline="") as handle:
        period = parse_period("2024" if mode == "baseline" else PERIOD)
        export = RawExport(period, [1])
        if mode == "materialised":
            collected = list(raw_rows(export))
            rows = len(collected)
            sheet = raw_sheet(export)
            sheet = type(sheet)(sheet.title, sheet.columns, collected)
        else:
            sheet = raw_sheet(export)
        for chunk in csv_chunks(sheet):
            handle.write(chunk)
        if mode != "materialised":
            rows = sum(1 for _ in out.open(encoding="utf-8")) - 1 if out.stat().st_size else 0
    return {
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rows": rows,
        "seconds": time.perf_counter() - started,
        "bytes": out.stat().st_size,
    }


def measure(url: str, mode: str, workdir: Path) -> dict[str, float | int]:
    out = workdir / f"{mode}.csv"
    completed = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", mode, "--url", url, "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=3600,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{mode} export failed:\n{completed.stdout[-2000:]}\n{completed.stderr[-4000:]}")
    [line] = [line for line in completed.stdout.splitlines() if line.startswith("CHILD ")]
    out.unlink(missing_ok=True)
    return json.loads(line.removeprefix("CHILD "))


def markdown(results: list[dict[str, object]], flat: bool, growth: float) -> str:
    begin, end = _report.markers(NAME)
    lines = [
        begin,
        "## Exports (`bench/exports.py`)",
        "",
        "Run with `.venv/bin/python bench/exports.py`. Peak resident memory of one process that boots the app and "
        "writes the raw-response CSV export (services/exports/raw_responses.py through services/tabular.py) of N "
        "responses from SQLite; each figure is its own child process. `baseline` exports an empty period (the "
        "app's own footprint), `streamed` is the export as the app runs it, `materialised` collects the rows in a "
        "list first, for contrast.",
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}",
        f"- Database: SQLite {sqlite3.sqlite_version}, one unit, {EMPLOYEES} employees, every tenth response "
        "with a comment",
        "",
        "| responses | mode | peak RSS MB | over baseline MB | rows written | seconds | file MB |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        for mode in MODES:
            figure = result[mode]
            assert isinstance(figure, dict)
            over = figure["peak_mb"] - result["baseline"]["peak_mb"]  # type: ignore[index]
            lines.append(
                f"| {result['responses']:,} | {mode} | {figure['peak_mb']:.1f} | {over:+.1f} | "
                f"{figure['rows']:,} | {figure['seconds']:.1f} | {figure['bytes'] / 1e6:.1f} |"
            )
    lines += [
        "",
        f"Streamed export over its baseline grew by {growth:+.1f} MB from the smallest to the largest size "
        f"(limit {FLAT_LIMIT_MB:.0f} MB): **{'flat' if flat else 'NOT flat'}** in the number of rows.",
        end,
    ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(str(size) for size in SIZES), help="Comma-separated sizes.")
    parser.add_argument("--no-docs", action="store_true", help="Do not write docs/benchmarks.md.")
    parser.add_argument("--report", type=Path, default=_report.DOCS, help="The Markdown file to update.")
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    if options.child:
        print("CHILD " + json.dumps(child(options.url, options.child, options.out)), flush=True)
        return 0
    sizes = [int(size.replace("_", "")) for size in options.sizes.split(",") if size.strip()]
    results: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="bench-exports-") as directory:
        workdir = Path(directory)
        for size in sizes:
            path = workdir / f"bench-{size}.db"
            log(f"generating {size:,} responses ...")
            seconds = generate(path, size)
            log(f"  generated in {seconds:.1f} s")
            result: dict[str, object] = {"responses": size}
            for mode in MODES:
                result[mode] = figure = measure(f"sqlite:///{path}", mode, workdir)
                log(
                    f"  {mode:>12}: peak {figure['peak_mb']:.1f} MB, {figure['rows']:,} rows, {figure['seconds']:.1f} s"
                )
            results.append(result)
            path.unlink()

    def over(result: dict[str, object]) -> float:
        return result["streamed"]["peak_mb"] - result["baseline"]["peak_mb"]  # type: ignore[index,no-any-return]

    growth = over(results[-1]) - over(results[0])
    flat = growth <= FLAT_LIMIT_MB
    log(
        f"streamed growth {growth:+.1f} MB from {sizes[0]:,} to {sizes[-1]:,} responses: "
        + ("flat" if flat else "NOT flat")
    )
    print("BENCH-SUMMARY " + json.dumps({"results": results, "growth_mb": growth, "flat": flat}), flush=True)
    if not options.no_docs:
        _report.write_docs(markdown(results, flat, growth), options.report)
        log(f"wrote the {NAME} section of {options.report}")
    return 0 if flat else 1


if __name__ == "__main__":
    sys.exit(main())
