"""``flask employees import`` and ``flask users import``: a dry run by default, line-numbered errors, exit status."""

from __future__ import annotations

from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import AuditEvent, Employee, User

NIP = "198503152010011002"
HEADER = "nip;name;employment_type;unit;position;supervisor_nip;acting;valid_from"


def test_employee_import_dry_run_apply_and_errors(app, build, tmp_path):
    build.unit(slug="dukcapil-palu")
    db.session.commit()
    runner = app.test_cli_runner()
    path = tmp_path / "pegawai.csv"
    path.write_text(f"{HEADER}\n{NIP};Budi;PNS;dukcapil-palu;Kepala;;;\n1.98503E+17;Rusak;PNS;dukcapil-palu;X;;;\n")
    result = runner.invoke(args=["employees", "import", str(path)])
    assert result.exit_code == 1
    assert "Baris 3: NIP 1.98503E+17 sudah diubah spreadsheet" in result.output
    assert "Ringkasan: 1 baris siap, 0 sudah terdaftar (dilewati), 1 galat." in result.output
    refused = runner.invoke(args=["employees", "import", str(path), "--apply", "--quiet"])
    assert refused.exit_code == 1 and "Tidak diterapkan" in refused.output
    assert db.session.scalar(select(func.count()).select_from(Employee)) == 0

    path.write_text(f"{HEADER}\n{NIP};Budi;PNS;dukcapil-palu;Kepala;;;\n")
    dry = runner.invoke(args=["employees", "import", str(path), "--lang", "en"])
    assert dry.exit_code == 0, dry.output
    assert db.session.scalar(select(func.count()).select_from(Employee)) == 0
    applied = runner.invoke(args=["employees", "import", str(path), "--apply"])
    assert applied.exit_code == 0 and "Diterapkan: 1 baris disimpan." in applied.output
    db.session.expire_all()
    assert db.session.scalar(select(Employee.name).where(Employee.nip == NIP)) == "Budi"
    [audit] = db.session.scalars(select(AuditEvent)).all()
    assert (audit.action, audit.actor_kind) == ("employee.import", "cli")

    accounts = tmp_path / "akun.csv"
    accounts.write_text(f"login,roles,unit,employee_nip\npetugas.budi,staff,dukcapil-palu,{NIP}\n")
    made = runner.invoke(args=["users", "import", str(accounts), "--apply"])
    assert made.exit_code == 0, made.output
    db.session.expire_all()
    assert db.session.scalar(select(User.login).where(User.employee_id.is_not(None))) == "petugas.budi"
