"""``flask complaints erase-contacts`` erases contacts 90 days after a complaint ended, with the clock moved."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import AuditEvent, Complaint
from feedback_app.services.complaints import file_complaint, reject_complaint


def test_erase_contacts_runs_from_the_command_line(app, build, clock):
    unit = build.unit()
    complaint = file_complaint(unit, kind="pengaduan", text="X", contact="warga@contoh.id")
    reject_complaint(complaint, "Bukan pengaduan")
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["complaints", "erase-contacts"])
    assert result.exit_code == 0 and "0 complaint(s)" in result.output
    clock.advance(timedelta(days=91))
    result = runner.invoke(args=["complaints", "erase-contacts"])
    assert result.exit_code == 0 and "1 complaint(s)" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(Complaint.contact)) is None
    row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "complaint.erase_contacts"))
    assert row.actor_kind == "cli"
