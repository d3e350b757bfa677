"""``flask appraisal`` and ``flask holidays``: the inputs people enter, and that score runs use them (spec §2.4, §3)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import BehaviourRating, EmployeeAssignment, EmployeeTarget, Holiday, Unit
from feedback_app.services.score_runs import current_run, indicator_rows

SEVEN = "berorientasi_pelayanan,akuntabel,kompeten,harmonis,loyal,adaptif,kolaboratif"
NIP_ANI = "198503152010012001"
NIP_BUDI = "199001012015031002"
NIP_SARI = "197801012005012003"


@pytest.fixture
def staff(build):
    unit = build.unit(slug="bogor")
    build.counter(unit)
    people = {
        nip: build.employee(nip=nip, name=name)
        for nip, name in ((NIP_ANI, "Ani"), (NIP_BUDI, "Budi"), (NIP_SARI, "Sari"))
    }
    for nip in (NIP_ANI, NIP_BUDI):
        db.session.add(
            EmployeeAssignment(
                employee=people[nip],
                unit=unit,
                position="Petugas",
                supervisor=people[NIP_SARI],
                valid_from=date(2026, 1, 1),
            )
        )
    db.session.commit()
    return people


def write(tmp_path: Path, text: str, name: str = "data.csv", encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return str(path)


def targets() -> list[tuple]:
    db.session.expire_all()
    return [
        (t.employee_id, t.period_id, t.name, t.target, t.realisation, t.lower_is_better, t.measure_unit)
        for t in db.session.scalars(select(EmployeeTarget).order_by(EmployeeTarget.name))
    ]


def test_import_targets_creates_then_updates_and_a_reimport_changes_nothing(app, staff, tmp_path) -> None:
    runner = app.test_cli_runner()
    text = (
        f"nip,period,name,target,realisation,lower_is_better,unit\n"
        f"{NIP_ANI},2026-Q3,Berkas KTP-el selesai,120,132,0,berkas\n"
        f"'{NIP_ANI},2026-Q3,Menit tunggu rata-rata,15,,ya,menit\n"
        f"{NIP_BUDI},2026-q3,Berkas KK selesai,80,60,,berkas\n"
    )
    first = runner.invoke(args=["appraisal", "import-targets", write(tmp_path, text)])
    assert first.exit_code == 0, first.output
    assert "targets: 3 created, 0 updated, 0 unchanged." in first.output
    ani, budi = staff[NIP_ANI].id, staff[NIP_BUDI].id
    assert targets() == [
        (budi, "2026-Q3", "Berkas KK selesai", Decimal(80), Decimal(60), False, "berkas"),
        (ani, "2026-Q3", "Berkas KTP-el selesai", Decimal(120), Decimal(132), False, "berkas"),
        (ani, "2026-Q3", "Menit tunggu rata-rata", Decimal(15), None, True, "menit"),
    ]
    again = runner.invoke(args=["appraisal", "import-targets", write(tmp_path, text)])
    assert "0 created, 0 updated, 3 unchanged" in again.output
    changed = runner.invoke(args=["appraisal", "import-targets", write(tmp_path, text.replace(",15,,ya", ",15,12,ya"))])
    assert "0 created, 1 updated, 2 unchanged" in changed.output
    assert targets()[2][4] == Decimal(12)


def test_a_spreadsheet_export_with_semicolons_bom_and_decimal_commas_is_read(app, staff, tmp_path) -> None:
    text = f"nip;period;name;target;realisation\n{NIP_ANI};2026-Q3;Sosialisasi;4;2,5\n"
    result = app.test_cli_runner().invoke(
        args=["appraisal", "import-targets", write(tmp_path, text, encoding="utf-8-sig")]
    )
    assert result.exit_code == 0, result.output
    assert targets()[0][3:5] == (Decimal(4), Decimal("2.5"))


def test_a_bad_target_file_imports_nothing_and_names_every_problem(app, staff, tmp_path) -> None:
    text = (
        "nip,period,name,target,realisation,lower_is_better\n"
        f"{NIP_ANI},2026-Q3,Baik,100,90,0\n"
        "199912312020121999,2026-Q3,Orang lain,100,90,0\n"
        f"{NIP_ANI},2026-Q5,Periode salah,100,90,0\n"
        f"{NIP_ANI},2026-Q3,Target nol,0,10,0\n"
        f"{NIP_ANI},2026-Q3,Angka,sepuluh,10,0\n"
        f"{NIP_ANI},2026-Q3,Bendera,10,10,mungkin\n"
        f"{NIP_ANI},2026-Q3,Baik,100,95,0\n"
    )
    result = app.test_cli_runner().invoke(args=["appraisal", "import-targets", write(tmp_path, text)])
    assert result.exit_code == 1
    for expected in (
        "line 3: no employee with NIP '199912312020121999'",
        "line 4: period: '2026-Q5' is not a valid period",
        "line 5: The target of 'Target nol' must be above 0",
        "line 6: target must be a number such as 120 or 92.5; got 'sepuluh'",
        "line 7: lower_is_better must be 1/0, ya/tidak or yes/no; got 'mungkin'",
        f"line 8: repeats the target 'Baik' of NIP {NIP_ANI} for 2026-Q3",
    ):
        assert expected in result.output
    assert targets() == []

    wrong_header = app.test_cli_runner().invoke(
        args=["appraisal", "import-targets", write(tmp_path, "nip,periode,name,target\n1,2,3,4\n")]
    )
    assert "missing column(s) period" in wrong_header.output and "unknown column(s) periode" in wrong_header.output


def ratings_file(tmp_path: Path, *lines: str) -> str:
    return write(tmp_path, f"nip,period,supervisor_nip,{SEVEN},overall,override_reason,feedback\n" + "\n".join(lines))


def test_import_ratings_requires_a_reason_to_override_the_median(app, staff, tmp_path) -> None:
    runner = app.test_cli_runner()
    values = "sesuai,sesuai,di_atas,di_atas,sesuai,Di Atas Ekspektasi,sesuai"  # median: sesuai
    refused = runner.invoke(
        args=[
            "appraisal",
            "import-ratings",
            ratings_file(tmp_path, f"{NIP_ANI},2026-Q3,{NIP_SARI},{values},di_atas,,Terus pertahankan"),
        ]
    )
    assert refused.exit_code == 1
    assert "overall di_atas differs from the suggested rating (Sesuai Ekspektasi" in refused.output
    assert db.session.scalar(select(BehaviourRating.id)) is None

    bad = runner.invoke(
        args=[
            "appraisal",
            "import-ratings",
            ratings_file(
                tmp_path,
                f"{NIP_ANI},2026-Q3,{NIP_ANI},{values},,,",
                f"{NIP_BUDI},2026-Q3,,{values.replace('sesuai', 'ok', 1)},,,",
            ),
        ]
    )
    assert "line 2: an employee cannot rate themself" in bad.output and "line 3: 'ok' is not a rating" in bad.output

    stored = runner.invoke(
        args=[
            "appraisal",
            "import-ratings",
            ratings_file(
                tmp_path,
                f"{NIP_ANI},2026-Q3,{NIP_SARI},{values},di_atas,Memimpin layanan keliling,Terus pertahankan",
                f"{NIP_BUDI},2026-Q3,,{values},sesuai,,",
            ),
        ]
    )
    assert stored.exit_code == 0, stored.output
    assert "ratings: 2 created, 0 updated, 0 unchanged." in stored.output
    rating = db.session.scalar(select(BehaviourRating).where(BehaviourRating.employee_id == staff[NIP_ANI].id))
    assert (rating.adaptif, rating.overall, rating.override_reason, rating.supervisor_id) == (
        "di_atas",
        "di_atas",
        "Memimpin layanan keliling",
        staff[NIP_SARI].id,
    )


def test_holidays_are_added_renamed_seeded_and_listed(app, tmp_path) -> None:
    runner = app.test_cli_runner()
    added = runner.invoke(args=["holidays", "add", "2026-08-18", "Cuti bersama daerah"])
    assert added.exit_code == 0 and "Added 2026-08-18: Cuti bersama daerah" in added.output
    renamed = runner.invoke(args=["holidays", "add", "2026-08-18", "Libur daerah"])
    assert "Renamed 2026-08-18: Libur daerah" in renamed.output
    assert runner.invoke(args=["holidays", "add", "18-08-2026", "x"]).exit_code == 2

    seeded = runner.invoke(args=["holidays", "seed-national", "2026"])
    assert "Added 17 holiday(s) for 2026." in seeded.output
    assert "Added 0 holiday(s)" in runner.invoke(args=["holidays", "seed-national", "2026"]).output
    assert (
        "Added 8 holiday(s)" in runner.invoke(args=["holidays", "seed-national", "2026", "--with-cuti-bersama"]).output
    )
    unknown = runner.invoke(args=["holidays", "seed-national", "2027"])
    assert unknown.exit_code == 1 and "not built in (only 2026)" in unknown.output
    listed = runner.invoke(args=["holidays", "list", "2026"]).output.splitlines()
    assert len(listed) == 17 + 8 + 1
    assert "2026-08-17 Mon  Hari Proklamasi Kemerdekaan Republik Indonesia" in listed
    assert db.session.get(Holiday, date(2026, 3, 21)).name == "Hari Raya Idul Fitri 1447 Hijriah"


def test_a_score_run_uses_the_imported_targets_and_ratings(app, staff, tmp_path, clock) -> None:
    runner = app.test_cli_runner()
    assert (
        runner.invoke(
            args=[
                "appraisal",
                "import-targets",
                write(tmp_path, (f"nip,period,name,target,realisation\n{NIP_ANI},2026-Q3,Berkas,100,85\n"), "t.csv"),
            ]
        ).exit_code
        == 0
    )
    assert (
        runner.invoke(
            args=[
                "appraisal",
                "import-ratings",
                ratings_file(tmp_path, f"{NIP_ANI},2026-Q3,{NIP_SARI},{','.join(['sesuai'] * 7)},,,"),
            ]
        ).exit_code
        == 0
    )
    result = runner.invoke(args=["scores", "compute", "--period", "2026-Q3", "--unit", "bogor"])
    assert result.exit_code == 0, result.output
    unit = db.session.scalar(select(Unit).where(Unit.slug == "bogor"))
    rows = {(r.employee_id, r.code): r for r in indicator_rows(current_run(unit, "2026-Q3"))}
    ani = staff[NIP_ANI].id
    assert rows[ani, "hasil_kerja"].explanation["result"] == "Di Bawah Ekspektasi"  # capaian 85 < 90
    assert rows[ani, "perilaku"].explanation["result"] == "Sesuai Ekspektasi"
    assert rows[ani, "predikat"].explanation["result"] == "Butuh Perbaikan"
    assert rows[staff[NIP_BUDI].id, "predikat"].status == "not_available"


def test_targets_come_from_a_workbook_too(app, staff, tmp_path) -> None:
    """One reader for every import: an .xlsx workbook imports like its CSV export; a NIP Excel made a number is
    refused with a clear message (its last digits are gone), a NIP kept as text is read exactly."""
    from openpyxl import Workbook

    def workbook_file(nip: object) -> str:
        workbook = Workbook()
        workbook.active.append(["nip", "period", "name", "target"])
        workbook.active.append([nip, "2026-Q3", "Dokumen selesai", 120])
        path = tmp_path / "targets.xlsx"
        workbook.save(path)
        return str(path)

    runner = app.test_cli_runner()
    refused = runner.invoke(args=["appraisal", "import-targets", workbook_file(int(NIP_ANI))])
    assert refused.exit_code == 1 and "1.98503152010012E+17" in refused.output and "as text" in refused.output
    assert targets() == []
    result = runner.invoke(args=["appraisal", "import-targets", workbook_file(NIP_ANI)])
    assert result.exit_code == 0, result.output
    assert targets() == [(staff[NIP_ANI].id, "2026-Q3", "Dokumen selesai", Decimal(120), None, False, None)]
