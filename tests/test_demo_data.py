"""`flask demo-data`: realistic, idempotent, relative to today, with real differences between employees."""

from __future__ import annotations

from collections import Counter as Tally
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select

from feedback_app.extensions import db
from feedback_app.identifiers import validate_nip
from feedback_app.models import (
    COMPLAINT_STATES,
    Appeal,
    Complaint,
    Counter,
    Employee,
    EmployeeAssignment,
    ScoreIndicator,
    ScoreRun,
    SurveyResponse,
    Ticket,
    Unit,
    User,
)
from feedback_app.services.complaints import desk_complaints


def test_demo_data_is_complete_realistic_and_idempotent(app, clock):
    clock.set(datetime(2026, 11, 26, 5, 0, tzinfo=UTC))  # Thursday 12:00 WIB / 13:00 WITA
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo-data"])
    assert first.exit_code == 0, first.output

    units = {u.slug: u for u in db.session.scalars(select(Unit).where(Unit.kind != "other"))}
    assert {(u.kind, u.timezone) for u in units.values()} == {
        ("dukcapil", "Asia/Jakarta"),
        ("puskesmas", "Asia/Makassar"),
    }
    for unit in units.values():
        assert 4 <= len(unit.counters) <= 6
        assert unit.parent is not None
        staff = db.session.scalars(
            select(Employee)
            .join(EmployeeAssignment, EmployeeAssignment.employee_id == Employee.id)
            .where(EmployeeAssignment.unit_id == unit.id)
        ).all()
        assert 8 <= len(staff) <= 12
        assert sum(e.employment_type == "non-ASN" for e in staff) == 1
        for employee in staff:
            assert employee.nip is None or validate_nip(employee.nip)
        assert any(a.supervisor_id for e in staff for a in e.assignments)

    roles = set().union(*(u.roles for u in db.session.scalars(select(User))))
    assert roles == {"admin", "hr", "supervisor", "staff", "complaints", "head"}

    # Issue 13: published final runs, and complaints in every state with one overdue.
    for unit in units.values():
        published = db.session.scalars(
            select(ScoreRun.period_id).where(ScoreRun.unit_id == unit.id, ScoreRun.published_at.is_not(None))
        ).all()
        assert sorted(published) == ["2026-Q2", "2026-Q3"]
        assert {
            c.status
            for c in db.session.scalars(
                select(Complaint).where(or_(Complaint.unit_id == unit.id, Complaint.forwarded_from_unit_id == unit.id))
            )
        } == set(COMPLAINT_STATES)
        assert [row.overdue for row in desk_complaints([unit])].count(True) == 1

    # Issue 13: the inbox has flagged answers of three rules waiting, decisions already taken, and comments.
    for unit in units.values():
        reasons = db.session.execute(
            select(SurveyResponse.status, SurveyResponse.flag_reason, func.count())
            .where(SurveyResponse.unit_id == unit.id, SurveyResponse.flag_reason.is_not(None))
            .group_by(SurveyResponse.status, SurveyResponse.flag_reason)
        ).all()
        waiting = {reason for status, reason, _ in reasons if status == "flagged"}
        assert {"burst", "fingerprint_many_counters", "self_rating"} <= waiting
        assert {status for status, _, _ in reasons} >= {"flagged", "valid"}  # the short visit was released
        assert db.session.scalar(
            select(func.count()).where(SurveyResponse.unit_id == unit.id, SurveyResponse.status == "excluded")
        )
        assert db.session.scalar(
            select(func.count()).where(SurveyResponse.unit_id == unit.id, SurveyResponse.comment.like("%NIK saya%"))
        )

    # Two full quarters before today's quarter, plus this quarter so far.
    first_answer, last_answer = db.session.execute(
        select(func.min(SurveyResponse.counted_at), func.max(SurveyResponse.counted_at))
    ).one()
    assert first_answer.astimezone(ZoneInfo("Asia/Makassar")).date().isoformat() >= "2026-04-01"
    assert first_answer.astimezone(ZoneInfo("Asia/Jakarta")).date().isoformat() < "2026-04-08"
    assert last_answer <= clock.now() + timedelta(hours=1)  # answers trail their tickets by minutes, never days
    assert db.session.scalar(select(func.max(Ticket.finished_at))) <= clock.now()

    per_month = Tally()
    for employee_id, counted_at in db.session.execute(
        select(SurveyResponse.employee_id, SurveyResponse.counted_at).where(
            SurveyResponse.status == "valid", SurveyResponse.employee_id.is_not(None)
        )
    ):
        per_month[employee_id, counted_at.strftime("%Y-%m")] += 1
    full_months = ["2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]
    employees = {e for e, _ in per_month}
    in_band = {e for e in employees if all(40 <= per_month[e, m] <= 120 for m in full_months)}
    below_threshold = {
        e for e in employees if all(sum(per_month[e, m] for m in q) < 30 for q in (full_months[0:3], full_months[3:6]))
    }
    assert len(below_threshold) == 2
    assert in_band | below_threshold == employees, {
        e: [per_month[e, m] for m in full_months] for e in employees - in_band
    }
    # Real differences between employees: their mean U7 answers are not all alike.
    means = db.session.execute(
        select(SurveyResponse.employee_id, func.avg(SurveyResponse.u7))
        .group_by(SurveyResponse.employee_id)
        .where(SurveyResponse.employee_id.is_not(None))
    ).all()
    assert max(m for _, m in means) - min(m for _, m in means) > 0.5

    # The appraisal desk has content: targets, BerAKHLAK ratings, a confirmed and a draft appraisal per unit, for the
    # last ended quarter, each pinned to a run of it, the confirmed one's predikat the matrix's (Sesuai × Di Atas).
    from feedback_app.models import Appraisal, BehaviourRating, EmployeeTarget

    appraisals = db.session.scalars(select(Appraisal).order_by(Appraisal.id)).all()
    assert [(a.period_id, a.status, a.predikat) for a in appraisals] == [
        ("2026-Q3", "confirmed", "baik"),
        ("2026-Q3", "draft", "baik"),  # a draft shows the matrix's predikat too; only confirmed ones count
    ] * 2
    assert all(a.score_run_id is not None for a in appraisals)
    assert db.session.scalar(select(func.count()).select_from(BehaviourRating)) == 4
    assert db.session.scalar(select(func.count()).select_from(EmployeeTarget)) == 2 * 4 * 4

    # "Kinerja saya" and the appeal pages have content: runs for the last periods, an accepted and an open appeal.
    periods = {period for (period,) in db.session.execute(select(ScoreRun.period_id).distinct())}
    assert {"2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-Q3", "2026-Q4"} <= periods
    appeals = db.session.scalars(select(Appeal).order_by(Appeal.id)).all()
    assert [a.state for a in appeals] == ["accepted", "open"] * 2
    accepted = appeals[0]
    named = db.session.scalars(
        select(ScoreIndicator).where(ScoreIndicator.employee_id == accepted.employee_id, ScoreIndicator.code == "ikp")
    ).all()
    assert any(a["appeal_id"] == accepted.id for row in named for a in row.explanation.get("appeals", []))

    counts = (
        db.session.scalar(select(func.count(SurveyResponse.id))),
        db.session.scalar(select(func.count(Ticket.id))),
    )
    again = runner.invoke(args=["demo-data"])
    assert again.exit_code == 0 and "already loaded" in again.output
    assert counts == (
        db.session.scalar(select(func.count(SurveyResponse.id))),
        db.session.scalar(select(func.count(Ticket.id))),
    )
    # Someone is signed in right now, so the printed survey link names an employee.
    welcome = runner.invoke(args=["welcome"])
    assert "/s/BGR01/" in welcome.output and "admin.bogor" in welcome.output
    first_counter = db.session.scalar(select(Counter).where(Counter.public_code == "BGR01"))
    from feedback_app.services.attribution import on_duty

    assert on_duty(first_counter.id, clock.now()).source == "sign_in"


def test_the_demo_has_a_closed_and_an_open_peer_feedback_round(app, clock):
    """Issue 16: per demo team, last quarter's round closed (rater links gone, results shown) and this quarter's open,
    with the staff demo account still to answer (the reminder on its home page)."""
    from feedback_app.models import PeerAnswer, PeerRater, PeerRound
    from feedback_app.services.peer_feedback import evidence_for, requests_of

    clock.set(datetime(2026, 11, 26, 5, 0, tzinfo=UTC))
    result = app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    rounds = db.session.scalars(select(PeerRound).order_by(PeerRound.id)).all()
    assert sorted((r.period_id, r.state) for r in rounds) == [
        ("2026-Q3", "closed"),
        ("2026-Q3", "closed"),
        ("2026-Q4", "open"),
        ("2026-Q4", "open"),
    ]
    closed_ids = [r.id for r in rounds if r.state == "closed"]
    assert db.session.scalar(select(func.count()).where(PeerRater.round_id.in_(closed_ids))) == 0
    shown = {
        ratee for (ratee,) in db.session.execute(select(PeerAnswer.ratee_id).where(PeerAnswer.round_id.in_(closed_ids)))
    }
    assert any(evidence_for(ratee, "2026-Q3").shown for ratee in shown)
    staff = db.session.scalar(select(User).where(User.login == "petugas.bogor"))
    waiting = [r for r in requests_of(staff.employee) if not r.submitted]
    assert waiting and all(r.round.period_id == "2026-Q4" for r in waiting)
