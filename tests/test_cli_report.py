"""``flask report skm`` (format from the file name) and ``flask paper import`` (dry run, --apply, --quiet)."""

from __future__ import annotations

from openpyxl import load_workbook
from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import SurveyResponse
from feedback_app.services.score_runs import compute_score_run
from tests.services.score_runs.office import Q3, Office


def test_the_report_is_written_as_html_or_xlsx_and_other_names_are_refused(app, build, clock, tmp_path):
    office = Office(build)
    office.answers(150)
    compute_score_run(office.unit, Q3, "t")
    db.session.commit()
    runner = app.test_cli_runner()
    html_file, xlsx_file = tmp_path / "skm.html", tmp_path / "skm.XLSX"
    result = runner.invoke(args=["report", "skm", "--unit", "uji", "--period", "2026-q3", "-o", str(html_file)])
    assert result.exit_code == 0, result.output
    assert "IKM" in result.output and "weights exact" in result.output and "rounding exact" in result.output
    page = html_file.read_text(encoding="utf-8")
    assert "Laporan Survei Kepuasan Masyarakat" in page and "@page{size:A4" in page and "Pendahuluan" in page
    assert "<form" not in page  # a file to print: no forms, no links to the tools
    result = runner.invoke(
        args=["report", "skm", "--unit", "uji", "--period", "2026-Q3", "-o", str(xlsx_file), "--quiet"]
    )
    assert result.exit_code == 0 and result.output == ""
    assert load_workbook(xlsx_file).sheetnames[0] == "Ringkasan"
    refused = runner.invoke(
        args=["report", "skm", "--unit", "uji", "--period", "2026-Q3", "-o", str(tmp_path / "a.pdf")]
    )
    assert refused.exit_code == 2 and "name the file .html or .xlsx" in refused.output
    assert not (tmp_path / "a.pdf").exists()
    unknown = runner.invoke(args=["report", "skm", "--unit", "tidak-ada", "--period", "2026-Q3", "-o", str(html_file)])
    assert unknown.exit_code == 2


def test_paper_import_is_a_dry_run_until_apply_and_names_bad_lines(app, build, clock, tmp_path):
    unit = build.unit(slug="kota-bogor")
    build.counter(unit, public_code="BGR01")
    db.session.commit()
    sheet = tmp_path / "rekap.csv"
    header = "tanggal;loket;u1;u2;u3;u4;u5;u6;u7;u8;u9;umur\n"
    sheet.write_text(
        header + "2026-09-14;BGR01;3;3;4;4;3;3;4;3;3;41\n2026-09-14;;5;3;4;4;3;3;4;3;3;\n", encoding="utf-8"
    )
    runner = app.test_cli_runner()

    def paper() -> int:
        return db.session.scalar(select(func.count()).where(SurveyResponse.channel == "paper"))

    bad = runner.invoke(args=["paper", "import", str(sheet), "--unit", "kota-bogor", "--apply"])
    assert bad.exit_code == 1 and "Baris 3" in bad.output and "U1" in bad.output and paper() == 0
    sheet.write_text(header + "2026-09-14;BGR01;3;3;4;4;3;3;4;3;3;41\n", encoding="utf-8")
    dry = runner.invoke(args=["paper", "import", str(sheet), "--unit", "kota-bogor"])
    assert dry.exit_code == 0 and "Uji coba" in dry.output and paper() == 0
    applied = runner.invoke(args=["paper", "import", str(sheet), "--unit", "kota-bogor", "--apply", "--quiet"])
    assert applied.exit_code == 0 and applied.output == "" and paper() == 1
    again = runner.invoke(args=["paper", "import", str(sheet), "--unit", "kota-bogor", "--apply"])
    assert again.exit_code == 0 and "1 sudah tersimpan" in again.output and paper() == 1
    stored = db.session.scalar(select(SurveyResponse).where(SurveyResponse.channel == "paper"))
    assert stored.age_band == "40-49"
