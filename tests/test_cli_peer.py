"""``flask peer close-rounds`` (cron) and ``flask peer min-answers`` (a unit's threshold, never below 3)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import AuditEvent, PeerRater, PeerRound, Unit
from tests.peer_world import team


def test_close_rounds_closes_what_is_past_its_date_and_nothing_twice(app, build, clock):
    world = team(build)
    peer_round = world.open()
    world.answer(world.raters[0], peer_round)
    runner = app.test_cli_runner()
    early = runner.invoke(args=["peer", "close-rounds"])
    assert early.exit_code == 0 and "nothing closed" in early.output
    clock.set(datetime(2026, 10, 29, 0, 30, tzinfo=UTC))  # 07:30 WIB the day after the closing date
    result = runner.invoke(args=["peer", "close-rounds"])
    assert result.exit_code == 0, result.output
    assert f"round {peer_round.id} (2026-Q4): closed, 1/4 answered, rater links deleted" in result.output
    db.session.expire_all()
    assert db.session.get(PeerRound, peer_round.id).state == "closed"
    assert db.session.scalar(select(func.count()).select_from(PeerRater)) == 0
    assert runner.invoke(args=["peer", "close-rounds", "--quiet"]).output == ""
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action == "peer_round.close")).all()
    assert actions == ["peer_round.close"]


def test_min_answers_refuses_fewer_than_three(app, build, clock):
    world = team(build)
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["peer", "min-answers", world.unit.slug, "2"])
    assert refused.exit_code != 0 and "at least 3" in refused.output
    assert runner.invoke(args=["peer", "min-answers", world.unit.slug, "5"]).exit_code == 0
    db.session.expire_all()
    assert db.session.get(Unit, world.unit.id).peer_min_answers == 5
    assert world.open().min_answers == 5
