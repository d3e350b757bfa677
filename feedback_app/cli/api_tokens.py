"""``flask api-token create|list|revoke``: queue-machine tokens from the command line."""

from __future__ import annotations

import click

from ..extensions import db
from ..models import API_SCOPES, ApiToken
from ..services.api_tokens import WRITE_TICKET_EVENTS, create_api_token, revoke_api_token, unit_api_tokens
from ..services.errors import DomainError
from .common import unit_by_slug


def _time(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "-"  # type: ignore[attr-defined]


@click.group(
    "api-token",
    help="Manage API tokens: queue machines (ticket_events:write, one unit) and HR systems (indicators:read, "
    "a set of units).",
)
def api_token() -> None:
    pass


@api_token.command("create")
@click.option("--unit", "unit_slug", required=True, help="The unit (slug) that owns the token.")
@click.option("--name", required=True, help="What the token is for, e.g. the queue machine's name.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice(API_SCOPES),
    help="What it may do; repeat for both. Default: ticket_events:write.",
)
@click.option(
    "--reads",
    "read_slugs",
    multiple=True,
    help="For indicators:read: a unit (slug) it may read, with the units below it; repeat. Default: --unit.",
)
def create_command(unit_slug: str, name: str, scopes: tuple[str, ...], read_slugs: tuple[str, ...]) -> None:
    """Create a token and print it once; only its hash is kept."""
    unit = unit_by_slug(unit_slug)
    reach = [unit_by_slug(slug) for slug in read_slugs] or [unit]
    try:
        row, token = create_api_token(unit, name, scopes or (WRITE_TICKET_EVENTS,), reach)
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(
        f"Created API token {row.id} {row.name!r} for {unit.slug} ({row.scopes}; units "
        f"{', '.join(u.slug for u in row.units)}). It is shown only now; store it in the client:",
        err=True,
    )
    click.echo(token)


@api_token.command("list")
@click.option("--unit", "unit_slug", help="Only this unit's tokens.")
def list_command(unit_slug: str | None) -> None:
    """List tokens: id, unit, name, scopes, units read, prefix, created, last used, revoked."""
    unit_id = unit_by_slug(unit_slug).id if unit_slug else None
    rows = unit_api_tokens(unit_id)
    if not rows:
        click.echo("No API tokens.")
        return
    click.echo("id\tunit\tname\tscopes\tunits\tprefix\tcreated\tlast used\trevoked")
    for row in rows:
        click.echo(
            "\t".join(
                [
                    str(row.id),
                    row.unit.slug,
                    row.name,
                    ",".join(row.scopes.split()),
                    ",".join(u.slug for u in row.units),
                    row.prefix + "…",
                    _time(row.created_at),
                    _time(row.last_used_at),
                    _time(row.revoked_at),
                ]
            )
        )


@api_token.command("revoke")
@click.argument("token_id", type=int)
def revoke_command(token_id: int) -> None:
    """Stop token TOKEN_ID working at once."""
    row = db.session.get(ApiToken, token_id)
    if row is None:
        raise click.ClickException(f"no API token with id {token_id}")
    if revoke_api_token(row):
        db.session.commit()
        click.echo(f"Revoked API token {row.id} {row.name!r} of {row.unit.slug}.")
    else:
        click.echo(f"API token {row.id} was already revoked at {_time(row.revoked_at)}.")


COMMANDS = (api_token,)
