"""Accounts, QR images, demo data and the start-up banner."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import ROLES, Counter, Unit, User
from ..services.accounts import create_user
from ..services.errors import DomainError
from ..services.qr import counter_survey_url, qr_png, qr_svg


@click.group(help="Manage login accounts.")
def users() -> None:
    pass


@users.command("create")
@click.argument("login")
@click.option(
    "--role", "roles", multiple=True, required=True, type=click.Choice(ROLES), help="Repeat for several roles."
)
@click.option("--unit", "unit_slug", help="Limit the account to one unit (slug).")
@click.option("--employee", "employee_nip", help="Link the account to an employee by NIP.")
@click.password_option(envvar="SUARA_WARGA_PASSWORD", help="Prompted for when not given (or SUARA_WARGA_PASSWORD).")
def create_user_command(
    login: str, roles: tuple[str, ...], unit_slug: str | None, employee_nip: str | None, password: str
) -> None:
    """Create an account LOGIN with a hashed password."""
    try:
        user = create_user(login, password, set(roles), unit_slug=unit_slug, employee_nip=employee_nip)
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created {user.login} with roles {', '.join(sorted(user.roles))}.")


@click.command("qr")
@click.argument("code")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["png", "svg"]),
    default=None,
    help="Default: from the output file's extension, else png.",
)
def qr_command(code: str, output: Path, fmt: str | None) -> None:
    """Write the QR code of counter CODE to a PNG or SVG file."""
    counter = db.session.scalar(select(Counter).where(Counter.public_code == code.upper()))
    if counter is None:
        raise click.ClickException(f"no counter with code {code!r}")
    fmt = fmt or ("svg" if output.suffix.lower() == ".svg" else "png")
    url = counter_survey_url(counter)
    if fmt == "png":
        output.write_bytes(qr_png(url))
    else:
        output.write_text(qr_svg(url), encoding="utf-8")
    click.echo(f"{output}: {url}")


@click.command("demo-data")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has units.")
@click.option("--seed", default=20261126, show_default=True)
def demo_data(if_empty: bool, seed: int) -> None:
    """Load demo units, staff, rosters, tickets and survey answers (idempotent)."""
    from ..services.demo import load_demo_data

    if if_empty and db.session.scalar(select(Unit.id).limit(1)) is not None:
        click.echo("Database already has data; demo data not loaded.")
        return
    summary = load_demo_data(seed=seed)
    db.session.commit()
    for line in summary:
        click.echo(line)


@click.command("welcome")
def welcome() -> None:
    """Print the URLs to open and the demo accounts."""
    base = current_app.config["PUBLIC_BASE_URL"]
    click.echo(f"\nSuara Warga is starting at {base}\n")
    counters = db.session.scalars(select(Counter).where(Counter.active).order_by(Counter.public_code)).all()
    first_per_unit = {counter.unit_id: counter for counter in reversed(counters)}
    click.echo("Citizen survey (open on a phone, or print the QR from the admin page):")
    for counter in sorted(first_per_unit.values(), key=lambda c: c.public_code):
        click.echo(f"  {counter.unit.name}, {counter.name}: {counter_survey_url(counter)}")
    click.echo(f"Staff login: {base}/masuk")
    from ..services.demo import DEMO_PASSWORD

    logins = db.session.scalars(select(User.login).order_by(User.login)).all()
    if logins:
        click.echo(f"Demo accounts (password {DEMO_PASSWORD!r}): {', '.join(logins)}\n")


COMMANDS = (users, qr_command, demo_data, welcome)
