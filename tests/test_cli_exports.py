"""``flask export indicators|responses|ekinerja``: files HR and analysts open, quiet in scripts."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from tests.export_world import PERIOD, export_office


@pytest.fixture
def world(app, build, clock):
    return export_office(build)


def test_indicators_to_xlsx_and_csv(app, world, tmp_path):
    runner = app.test_cli_runner()
    target = tmp_path / "indikator.xlsx"
    result = runner.invoke(args=["export", "indicators", "--period", PERIOD, "--unit", "uji", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output and "█" not in result.output  # no bar: the output is not a terminal
    sheet = load_workbook(target)["Indikator"]
    nips = {row[3].value for row in sheet.iter_rows(min_row=2)}
    assert world.ani.nip in nips
    quiet = runner.invoke(args=["export", "indicators", "--period", PERIOD, "-o", str(tmp_path / "i.csv"), "--quiet"])
    assert quiet.exit_code == 0 and quiet.output == ""
    assert (tmp_path / "i.csv").read_bytes().startswith(b"\xef\xbb\xbfUnit,")


def test_responses_and_the_xlsx_row_limit(app, world, tmp_path, monkeypatch):
    runner = app.test_cli_runner()
    target = tmp_path / "respons.csv"
    result = runner.invoke(args=["export", "responses", "--period", PERIOD, "-o", str(target)])
    assert result.exit_code == 0, result.output and "(45 rows)" in result.output
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 45 and all("081234567890" not in row["Saran"] for row in rows)
    from feedback_app.services.exports import raw_responses

    monkeypatch.setattr(raw_responses, "XLSX_MAX_ROWS", 10)
    refused = runner.invoke(args=["export", "responses", "--period", PERIOD, "-o", str(tmp_path / "r.xlsx")])
    assert refused.exit_code != 0 and "write a .csv instead" in refused.output
    assert not (tmp_path / "r.xlsx").exists()
    bad = runner.invoke(args=["export", "responses", "--period", PERIOD, "-o", str(tmp_path / "r.pdf")])
    assert bad.exit_code != 0 and ".csv or .xlsx" in bad.output


def test_ekinerja_for_asn_only(app, world, tmp_path):
    runner = app.test_cli_runner()
    target = tmp_path / "ekinerja.csv"
    result = runner.invoke(args=["export", "ekinerja", "--nip", world.ani.nip, "--period", PERIOD, "-o", str(target)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 2 and all(row["Bukti dukung"].startswith(app.config["PUBLIC_BASE_URL"]) for row in rows)
    world.budi.nip = "199001012015031001"  # not ASN even with a number typed in
    from feedback_app.extensions import db

    db.session.commit()
    refused = runner.invoke(
        args=["export", "ekinerja", "--nip", "199001012015031001", "--period", PERIOD, "-o", str(target)]
    )
    assert refused.exit_code != 0 and "not ASN" in refused.output
