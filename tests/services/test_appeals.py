"""Appeals (spec §7): who decides, one open appeal per subject, what an accepted appeal changes, one audit row each."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask_login import login_user
from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import Appeal, AuditEvent, ScoreIndicator, SurveyResponse
from feedback_app.services.appeals import (
    AppealError,
    AppealNotFound,
    appeals_to_decide,
    comment_token,
    decide_appeal,
    file_appeal,
    my_shifts,
)
from tests.helpers import counting_queries
from tests.staff_world import office


@pytest.fixture
def world(app, build, clock):
    return office(build)


def _as(app, user):
    """Run the service as ``user`` inside a request, as the views do (the audit row names them)."""
    context = app.test_request_context()
    context.push()
    login_user(user)
    return context


def _audit_rows() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def _row(run, employee, code) -> ScoreIndicator:
    return db.session.scalars(
        select(ScoreIndicator).where(
            ScoreIndicator.run_id == run.id, ScoreIndicator.employee_id == employee.id, ScoreIndicator.code == code
        )
    ).one()


def test_an_accepted_shift_appeal_changes_the_next_run_and_is_named_in_its_explanation(app, world):
    world.answers(30, world.ani, day=1, shift=world.shift, scores={"u3": 1, "u6": 1, "u7": 1})
    world.answers(30, world.ani, day=2, shift=world.other_shift, scores={"u3": 4, "u6": 4, "u7": 4})
    before = world.run()
    assert _row(before, world.ani, "ikp").n == 60
    assert Decimal(_row(before, world.ani, "ikp").explanation["raw"]) == Decimal("62.50")

    context = _as(app, world.users["ani"])
    try:
        appeal = file_appeal(
            world.users["ani"], "shift", str(world.shift.id), statement="Saya cuti.", ground="not_on_duty"
        )
        db.session.commit()
        assert appeal.decider_id == world.sari.id
        login_user(world.users["sari"])
        decide_appeal(world.users["sari"], appeal.id, accept=True, reason="Surat cuti terlampir.")
        db.session.commit()
    finally:
        context.pop()

    moved = db.session.scalars(select(SurveyResponse).where(SurveyResponse.counter_assignment_id == world.shift.id))
    assert {(r.employee_id, r.attribution_source) for r in moved} == {(None, "none")}
    assert db.session.get(Appeal, appeal.id).effect["from_employee_id"] == world.ani.id
    # The stored run is never rewritten ...
    assert _row(before, world.ani, "ikp").n == 60
    # ... the next one counts only the second shift for Ani, the unit keeps every answer, and both say why.
    after = world.run()
    ikp = _row(after, world.ani, "ikp")
    assert (ikp.n, ikp.explanation["raw"]) == (30, "100.00")
    assert ikp.explanation["appeals"][0]["appeal_id"] == appeal.id
    assert ikp.explanation["appeals"][0]["answers_reattributed_to_unit"] == 30
    assert any(f"Appeal #{appeal.id} accepted" in note for note in ikp.explanation["explanation"]["notes"])
    assert _row(after, world.ani, "ikm").explanation["appeals"][0]["appeal_id"] == appeal.id
    unit_ikp = db.session.scalars(
        select(ScoreIndicator).where(
            ScoreIndicator.run_id == after.id, ScoreIndicator.employee_id.is_(None), ScoreIndicator.code == "ikp"
        )
    ).one()
    assert unit_ikp.n == 60
    assert [(e.action, e.entity_id, e.actor_login) for e in _audit_rows()] == [
        ("appeal.file", str(appeal.id), "ani"),
        ("appeal.accept", str(appeal.id), "sari"),
    ]
    assert _audit_rows()[1].after == {"state": "accepted", "answers_reattributed": 30}


def test_one_open_appeal_per_subject_and_a_new_one_once_decided(app, world):
    ani = world.users["ani"]
    context = _as(app, ani)
    try:
        first = file_appeal(ani, "shift", str(world.shift.id), statement="Bukan saya.", ground="served_by_colleague")
        db.session.commit()
        with pytest.raises(AppealError, match="Sudah ada keberatan terbuka"):
            file_appeal(ani, "shift", str(world.shift.id), statement="Lagi.", ground="not_on_duty")
        db.session.rollback()
        login_user(world.users["sari"])
        decide_appeal(world.users["sari"], first.id, accept=False, reason="Jadwal dan tanda masuk cocok.")
        db.session.commit()
        login_user(ani)
        second = file_appeal(ani, "shift", str(world.shift.id), statement="Ada bukti baru.", ground="not_on_duty")
        db.session.commit()
    finally:
        context.pop()
    assert (db.session.get(Appeal, first.id).state, second.state) == ("rejected", "open")
    assert [e.action for e in _audit_rows()] == ["appeal.file", "appeal.reject", "appeal.file"]


def test_nobody_appeals_or_decides_what_is_not_theirs(app, world):
    budi, ani, sari, kepala = (world.users[k] for k in ("budi", "ani", "sari", "kepala"))
    context = _as(app, budi)
    try:
        with pytest.raises(AppealNotFound):  # Ani's shift, by id
            file_appeal(budi, "shift", str(world.shift.id), statement="x", ground="not_on_duty")
        login_user(ani)
        appeal = file_appeal(ani, "shift", str(world.shift.id), statement="Cuti.", ground="not_on_duty")
        db.session.commit()
        for outsider in (budi, ani, kepala, world.users["admin"]):  # a colleague, herself, the next level, admin
            with pytest.raises(AppealNotFound):
                decide_appeal(outsider, appeal.id, accept=True, reason="ok")
        with pytest.raises(AppealError, match="alasan keputusan"):
            decide_appeal(sari, appeal.id, accept=True, reason="  ")
    finally:
        context.pop()
    db.session.rollback()
    assert db.session.get(Appeal, appeal.id).state == "open"
    assert appeals_to_decide(sari) == [appeal] and appeals_to_decide(kepala) == []
    assert [e.action for e in _audit_rows()] == ["appeal.file"]


def test_a_predikat_is_decided_by_the_supervisors_own_supervisor(app, world):
    ani, sari, kepala = world.users["ani"], world.users["sari"], world.users["kepala"]
    context = _as(app, ani)
    try:
        appeal = file_appeal(ani, "predikat", "2026-Q3", statement="Predikat tidak sesuai capaian saya.")
        db.session.commit()
        assert appeal.decider_id == world.kepala.id
        with pytest.raises(AppealNotFound):
            decide_appeal(sari, appeal.id, accept=True, reason="Saya penilainya.")
        login_user(kepala)
        decide_appeal(kepala, appeal.id, accept=True, reason="Dinilai ulang bersama SDM.")
        db.session.commit()
    finally:
        context.pop()
    assert db.session.get(Appeal, appeal.id).state == "accepted"


def test_without_a_supervisor_an_admin_of_the_unit_decides(app, world):
    kepala = world.users["kepala"]
    context = _as(app, kepala)
    try:
        appeal = file_appeal(kepala, "predikat", "2026-Q3", statement="Mohon ditinjau.")
        db.session.commit()
        assert appeal.decider_id is None
        assert appeals_to_decide(world.users["admin"]) == [appeal]
        login_user(world.users["admin"])
        decide_appeal(world.users["admin"], appeal.id, accept=False, reason="Sesuai matriks.")
        db.session.commit()
    finally:
        context.pop()
    assert db.session.get(Appeal, appeal.id).state == "rejected"


def test_a_comment_appeal_is_a_staff_appeal_flag_the_moderator_decides(app, world):
    world.answers(2, world.ani, comment="Petugasnya bodoh, hubungi 081234567890")
    first, second = db.session.scalars(select(SurveyResponse).order_by(SurveyResponse.id)).all()
    ani, admin = world.users["ani"], world.users["admin"]
    context = _as(app, ani)
    try:
        with pytest.raises(AppealNotFound):
            file_appeal(ani, "comment", str(first.id), statement="Kasar.")  # a bare id is not a comment token
        one = file_appeal(ani, "comment", comment_token(first.id), statement="Menghina.")
        two = file_appeal(ani, "comment", comment_token(second.id), statement="Menghina juga.")
        db.session.commit()
        assert db.session.get(SurveyResponse, first.id).status == "flagged"
        assert db.session.get(SurveyResponse, first.id).status_reason == "staff_appeal"
        with pytest.raises(AppealNotFound):
            decide_appeal(world.users["sari"], one.id, accept=True, reason="x")  # moderated, not by the supervisor
        login_user(admin)
        decide_appeal(admin, one.id, accept=True, reason="Kata kasar.")
        decide_appeal(admin, two.id, accept=False, reason="Kritik, bukan hinaan.")
        db.session.commit()
    finally:
        context.pop()
    db.session.expire_all()
    assert db.session.get(SurveyResponse, first.id).status == "excluded"
    assert (
        db.session.get(SurveyResponse, second.id).status,
        db.session.get(SurveyResponse, second.id).status_reason,
    ) == (
        "valid",
        None,
    )
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 4


def test_an_indicator_decision_is_attached_to_the_next_runs_explanation(app, world):
    world.answers(31, world.ani, shift=world.shift)
    run = world.run()
    ani, sari = world.users["ani"], world.users["sari"]
    context = _as(app, ani)
    try:
        with pytest.raises(AppealNotFound):
            file_appeal(ani, "indicator", f"{run.id}:not_a_code", statement="x")
        appeal = file_appeal(ani, "indicator", f"{run.id}:on_time_rate", statement="Mesin antrean rusak 3 hari.")
        db.session.commit()
        login_user(sari)
        decide_appeal(sari, appeal.id, accept=True, reason="Hari 3–5 September tidak dihitung di penilaian.")
        db.session.commit()
    finally:
        context.pop()
    assert "appeals" not in _row(run, world.ani, "on_time_rate").explanation
    after = world.run()
    [note] = _row(after, world.ani, "on_time_rate").explanation["appeals"]
    assert (note["appeal_id"], note["state"], note["contested_run_id"]) == (appeal.id, "accepted", run.id)
    assert "appeals" not in _row(after, world.budi, "on_time_rate").explanation


def test_my_shifts_count_the_answers_attributed_through_each(app, world):
    world.answers(4, world.ani, day=1, shift=world.shift)
    world.answers(2, world.ani, day=2)  # no assignment id: found by counter and time
    world.answers(3, world.budi, day=2)
    assert world.ani.id  # loaded before counting
    with counting_queries() as statements:
        shifts = my_shifts(world.ani)
    assert len(statements) == 3  # the shifts, the answers since the oldest, the open appeals: whatever their number
    assert [(s.assignment.id, s.answers, s.open_appeal) for s in shifts] == [
        (world.other_shift.id, 2, False),
        (world.shift.id, 4, False),
    ]
