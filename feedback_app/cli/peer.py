"""``flask peer``: close the 360° peer-feedback rounds whose closing date has passed (for cron), and set a unit's
threshold of answers before results are shown."""

from __future__ import annotations

import click

from ..extensions import db
from ..services.audit import record_audit
from ..services.peer_feedback import DEFAULT_MIN_ANSWERS, close_due_rounds
from .common import quiet_option, unit_by_slug


@click.group("peer", help="360° peer feedback: rounds and their anonymity threshold.")
def peer() -> None:
    pass


@peer.command("close-rounds")
@quiet_option
def close_rounds(quiet: bool) -> None:
    """Close every open round past its closing date: freeze its response rate, delete its rater links (idempotent)."""
    closed = close_due_rounds("system:peer-close")
    db.session.commit()
    if quiet:
        return
    if not closed:
        click.echo("No open round is past its closing date; nothing closed.")
    for peer_round in closed:
        click.echo(
            f"round {peer_round.id} ({peer_round.period_id}): closed, "
            f"{peer_round.answered_count}/{peer_round.invited_count} answered, rater links deleted"
        )


@peer.command("min-answers")
@click.argument("slug")
@click.argument("answers", type=int)
def min_answers(slug: str, answers: int) -> None:
    """Answers a colleague result needs before it is shown in SLUG's new rounds (never below 3)."""
    if answers < DEFAULT_MIN_ANSWERS:
        raise click.BadParameter(f"at least {DEFAULT_MIN_ANSWERS}, so that no answer can be recognised")
    unit = unit_by_slug(slug)
    before = unit.peer_min_answers
    unit.peer_min_answers = answers
    record_audit(
        "unit.set_peer_min_answers",
        entity="unit",
        entity_id=unit.id,
        unit_id=unit.id,
        before={"peer_min_answers": before},
        after={"peer_min_answers": answers},
    )
    db.session.commit()
    click.echo(f"{unit.slug}: new peer-feedback rounds show results from {answers} answers.")


COMMANDS = (peer,)
