"""360° peer feedback (issue 16): pairing, one answer per colleague, the threshold, closing and the HR rows."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from feedback_app.extensions import db
from feedback_app.models import BERAKHLAK_VALUES, AuditEvent, PeerAnswer, PeerRater, PeerRound
from feedback_app.services.peer_feedback import (
    AnswerInput,
    PeerError,
    close_due_rounds,
    close_round,
    default_pairs,
    evidence_for,
    open_round,
    peer_feedback_rows,
    save_answer,
)
from tests.peer_world import CLOSES_ON, Q4, team


def _pair(peer_round, rater):
    return db.session.scalar(
        select(PeerRater).where(PeerRater.round_id == peer_round.id, PeerRater.rater_id == rater.id)
    )


def test_the_default_pairing_is_colleagues_with_overlapping_shifts_never_oneself_nor_the_supervisor(build, clock):
    world = team(build)
    members = [world.ani, world.budi, *world.raters]
    pairs = default_pairs(world.unit, Q4, members)
    assert set(pairs[world.ani.id]) == {r.id for r in world.raters}
    assert pairs[world.ani.id][0] == world.raters[0].id  # three shared shifts come before one
    assert world.budi.id not in pairs and all(world.budi.id not in v for v in pairs.values())
    assert all(rater not in ratees and world.sari.id not in ratees for rater, ratees in pairs.items())
    assert all(len(ratees) <= 5 for ratees in pairs.values())


def test_opening_refuses_bad_pairs_and_a_second_round(build, clock):
    world = team(build)
    sari = world.users["sari"]
    for pairs, code in (
        ([(world.ani.id, world.ani.id)], "self"),
        ([(world.ani.id, world.sari.id)], "not_in_team"),  # the supervisor is not in her own team
        ([], "no_pairs"),
    ):
        with pytest.raises(PeerError) as refused:
            open_round(sari, world.sari, Q4, CLOSES_ON, pairs)
        assert refused.value.code == code
    with pytest.raises(PeerError) as refused:
        open_round(sari, world.sari, Q4, date(2026, 10, 1), [(world.ani.id, world.budi.id)])
    assert refused.value.code == "closes_in_past"
    db.session.rollback()
    world.open()
    with pytest.raises(PeerError) as refused:
        open_round(sari, world.sari, Q4, CLOSES_ON, [(world.ani.id, world.budi.id)])
    assert refused.value.code == "exists"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(PeerRound)) == 1


def test_a_colleague_answers_once_and_the_answer_does_not_name_them(build, clock):
    world = team(build)
    peer_round = world.open()
    rater = world.raters[0]
    pair = _pair(peer_round, rater)
    draft = AnswerInput(values={"akuntabel": "di_atas"}, does_well="Teliti", could_improve="", submit=False)
    save_answer(rater, pair.id, draft)
    db.session.commit()
    assert _pair(peer_round, rater).draft["akuntabel"] == "di_atas"
    world.answer(rater, peer_round, "di_atas", does_well="Teliti sekali")
    with pytest.raises(PeerError) as refused:
        world.answer(rater, peer_round, "di_bawah")
    assert refused.value.code == "already_submitted"
    db.session.rollback()
    answers = db.session.scalars(select(PeerAnswer)).all()
    assert len(answers) == 1 and answers[0].akuntabel == "di_atas"
    assert not {"rater_id", "created_at", "submitted_at"} & set(PeerAnswer.__table__.columns.keys())
    assert _pair(peer_round, rater).draft is None
    # The audit rows name the round only: neither the employee rated nor what was said.
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("peer_feedback.%"))).all()
    assert [r.action for r in rows] == ["peer_feedback.save_draft", "peer_feedback.submit"]
    assert all(r.entity == "peer_round" and r.after is None and r.before is None for r in rows)


def test_an_incomplete_or_unknown_answer_is_refused_and_changes_nothing(build, clock):
    world = team(build)
    peer_round = world.open()
    rater = world.raters[1]
    pair = _pair(peer_round, rater)
    cases = (
        (AnswerInput(values={"akuntabel": "sesuai"}, does_well="", could_improve="", submit=True), "incomplete"),
        (
            AnswerInput(
                values=dict.fromkeys(BERAKHLAK_VALUES, "luar biasa"), does_well="", could_improve="", submit=True
            ),
            "unknown_value",
        ),
        (
            AnswerInput(
                values=dict.fromkeys(BERAKHLAK_VALUES, "sesuai"), does_well="x" * 301, could_improve="", submit=True
            ),
            "sentence_too_long",
        ),
    )
    for given, code in cases:
        with pytest.raises(PeerError) as refused:
            save_answer(rater, pair.id, given)
        assert refused.value.code == code
        db.session.rollback()
    with pytest.raises(PeerError) as refused:  # somebody else's form
        save_answer(world.raters[2], pair.id, cases[0][0])
    assert refused.value.code == "unknown_form"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(PeerAnswer)) == 0


def test_two_answers_show_nothing_three_show_the_distribution(build, clock):
    world = team(build)
    peer_round = world.open()
    world.answer(world.raters[0], peer_round, "di_atas", does_well="Sabar dengan warga lansia")
    world.answer(world.raters[1], peer_round, "sesuai", could_improve="Hubungi saya di 081234567890")
    result = evidence_for(world.ani.id, Q4.id)
    assert result is not None and result.n == 2 and not result.shown
    assert result.distribution == {} and result.does_well == () and result.could_improve == ()
    world.answer(world.raters[2], peer_round, "tidak_tahu")
    result = evidence_for(world.ani.id, Q4.id)
    assert result.shown and result.n == 3
    assert result.distribution["kompeten"] == {"di_bawah": 0, "sesuai": 1, "di_atas": 1, "tidak_tahu": 1}
    assert result.does_well == ("Sabar dengan warga lansia",)
    assert "081234567890" not in result.could_improve[0] and result.could_improve[0].startswith("Hubungi saya di 08")


def test_a_unit_may_raise_the_threshold_never_lower_it(build, clock):
    world = team(build)
    world.unit.peer_min_answers = 4
    db.session.commit()
    peer_round = world.open()
    assert peer_round.min_answers == 4
    for rater in world.raters[:3]:
        world.answer(rater, peer_round)
    assert not evidence_for(world.ani.id, Q4.id).shown
    world.unit.peer_min_answers = 2
    with pytest.raises(IntegrityError):  # the database's check constraint
        db.session.commit()
    db.session.rollback()


def test_closing_deletes_every_rater_link_and_keeps_the_response_rate(build, clock):
    world = team(build)
    peer_round = world.open()
    for rater in world.raters[:3]:
        world.answer(rater, peer_round)
    close_round(peer_round, "sari.atasan")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(PeerRater)) == 0
    db.session.expire_all()
    closed = db.session.get(PeerRound, peer_round.id)
    assert (closed.state, closed.invited_count, closed.answered_count) == ("closed", 4, 3)
    assert evidence_for(world.ani.id, Q4.id).shown  # the answers stay, without anybody's name


def test_rounds_past_their_closing_date_close_by_themselves(build, clock):
    world = team(build)
    peer_round = world.open()
    world.answer(world.raters[0], peer_round)
    assert close_due_rounds() == []  # 14 October: still open
    clock.set(datetime(2026, 10, 28, 16, 59, tzinfo=UTC))  # 23:59 WIB on the closing date
    assert close_due_rounds() == []
    clock.set(datetime(2026, 10, 28, 17, 1, tzinfo=UTC))  # 00:01 WIB the day after
    with pytest.raises(PeerError) as refused:  # before the job runs, answers are already refused
        world.answer(world.raters[1], peer_round)
    assert refused.value.code == "round_closed"
    db.session.rollback()
    assert [r.id for r in close_due_rounds()] == [peer_round.id]
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(PeerRater)) == 0
    assert close_due_rounds() == []  # idempotent


def test_the_hr_rows_give_the_distribution_only(build, clock):
    world = team(build)
    peer_round = world.open()
    for rater in world.raters[:3]:
        world.answer(rater, peer_round, "di_atas", does_well="Rahasia kalimat")
    headers, rows = peer_feedback_rows(Q4, [world.unit])
    assert headers[:8] == ["unit", "nip", "employee", "period", "rounds", "n", "min_answers", "shown"]
    assert len(headers) == 8 + 7 * 4
    [row] = rows
    record = dict(zip(headers, row, strict=True))
    assert record["employee"] == "Ani Dinilai" and record["n"] == 3 and record["shown"] is True
    assert record["kolaboratif_di_atas"] == 3 and record["kolaboratif_sesuai"] == 0
    flat = " ".join(str(cell) for cell in row)
    assert "Rahasia" not in flat and not any(r.name in flat for r in world.raters)
    assert peer_feedback_rows("2026-Q3", [world.unit]) == (headers, [])
