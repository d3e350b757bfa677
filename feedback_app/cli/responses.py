"""``flask responses list --flagged | release ID | exclude ID``: deciding flagged answers from the shell
(the same decisions as the inbox, `/admin/kotak-masuk`).

Every decision goes through :mod:`feedback_app.services.flags` (the one place a response's status changes).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import click
from flask_babel import force_locale

from ..extensions import db
from ..services.flags import FlagError, StatusChange, exclude_response, flagged_responses, release_response
from .common import unit_by_slug


@click.group(help="Citizens' survey answers: the flagged ones and the moderator's decisions on them.")
def responses() -> None:
    pass


@responses.command("list")
@click.option("--flagged", is_flag=True, required=True, help="The flagged answers awaiting a decision.")
@click.option("--unit", "unit_slug", help="Only this unit's answers.")
@click.option("--limit", default=200, show_default=True, type=click.IntRange(1, 10_000))
def list_command(flagged: bool, unit_slug: str | None, limit: int) -> None:
    """List flagged answers, oldest first: id, unit, counter, submitted (UTC), attributed to, reason, numbers."""
    unit_id = unit_by_slug(unit_slug).id if unit_slug else None
    rows = flagged_responses(unit_id, limit=limit)
    if not rows:
        click.echo("No flagged answers.")
        return
    click.echo("id\tunit\tcounter\tsubmitted\tattributed to\treason\tnumbers")
    for row in rows:
        click.echo(
            "\t".join(
                [
                    str(row.id),
                    str(row.unit_id),
                    row.counter.public_code if row.counter is not None else "-",
                    row.submitted_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
                    row.employee.name if row.employee is not None else f"({row.attribution_source})",
                    row.flag_reason or "-",
                    json.dumps(row.flag_details or {}, sort_keys=True, separators=(",", ":")),
                ]
            )
        )


def _decide(change: Callable[..., StatusChange], response_id: int, reason: str) -> StatusChange:
    with force_locale("id"):  # the service's messages are lazy strings; there is no request to pick a language
        try:
            result = change(response_id, reason=reason)
        except FlagError as error:
            db.session.rollback()
            raise click.ClickException(str(error.message)) from None
    db.session.commit()
    return result


@responses.command("release")
@click.argument("response_id", type=int)
@click.option("--reason", required=True, help="Why the answer is genuine (kept with it and in the audit trail).")
def release_command(response_id: int, reason: str) -> None:
    """Release flagged answer RESPONSE_ID: it becomes valid and counts from the next score run."""
    _decide(release_response, response_id, reason)
    click.echo(f"Released answer {response_id}: valid.")


@responses.command("exclude")
@click.argument("response_id", type=int)
@click.option("--reason", required=True, help="Why the answer does not count (kept with it and in the audit trail).")
def exclude_command(response_id: int, reason: str) -> None:
    """Exclude answer RESPONSE_ID: it counts nowhere and stays stored for audit."""
    _decide(exclude_response, response_id, reason)
    click.echo(f"Excluded answer {response_id}.")


COMMANDS = (responses,)
