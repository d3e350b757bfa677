"""Accounts, QR images, demo data and the start-up banner."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import ROLES, Counter, Unit, User
from ..services.accounts import create_user
from ..services.errors import DomainError
from ..services.qr import qr_png, qr_svg
from ..services.tokens import counter_survey_url


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


#: Written by ``make run`` (``flask welcome --record``): the address it serves, for later commands such as ``qr``.
SERVING_URL_FILE = "serving-url"
QR_FORMATS = {".png": "png", ".svg": "svg"}


def _serving_base_url() -> tuple[str, str | None]:
    """The base URL for printed codes and where it came from: PUBLIC_BASE_URL when set in the environment, else
    the address ``make run`` recorded when it started, else the configuration."""
    if os.environ.get("PUBLIC_BASE_URL"):
        return current_app.config["PUBLIC_BASE_URL"], None
    recorded = Path(current_app.instance_path) / SERVING_URL_FILE
    if recorded.is_file() and (url := recorded.read_text(encoding="utf-8").strip()):
        return url, f"the address of the last `make run`, from {recorded}"
    return current_app.config["PUBLIC_BASE_URL"], None


@click.command("qr")
@click.argument("code")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["png", "svg"]),
    default=None,
    help="Default: from the output file's extension (.png or .svg); a contradicting choice is refused.",
)
def qr_command(code: str, output: Path, fmt: str | None) -> None:
    """Write the QR code of counter CODE to a PNG or SVG file."""
    counter = db.session.scalar(select(Counter).where(Counter.public_code == code.upper()))
    if counter is None:
        raise click.ClickException(f"no counter with code {code!r}")
    suffix = output.suffix.lower()
    if suffix and suffix not in QR_FORMATS:
        raise click.ClickException(f"{output.name}: a QR code is written as png or svg; name the file .png or .svg")
    if fmt is not None and suffix and QR_FORMATS[suffix] != fmt:
        raise click.ClickException(
            f"{output.name} ends in {suffix} but --format is {fmt}; rename the file or drop --format"
        )
    fmt = fmt or QR_FORMATS.get(suffix, "png")
    base, source = _serving_base_url()
    previous = current_app.config["PUBLIC_BASE_URL"]
    current_app.config["PUBLIC_BASE_URL"] = base
    try:
        url = counter_survey_url(counter)
    finally:
        current_app.config["PUBLIC_BASE_URL"] = previous
    if fmt == "png":
        output.write_bytes(qr_png(url))
    else:
        output.write_text(qr_svg(url), encoding="utf-8")
    click.echo(f"{output} ({fmt}): {url}")
    if source:
        click.echo(f"Base URL: {source}; set PUBLIC_BASE_URL to print another.", err=True)


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
@click.option("--record", is_flag=True, help="Remember PUBLIC_BASE_URL for later commands (make run does this).")
def welcome(record: bool) -> None:
    """Print the URLs to open and the demo accounts."""
    base = current_app.config["PUBLIC_BASE_URL"]
    if record:
        Path(current_app.instance_path).mkdir(parents=True, exist_ok=True)
        (Path(current_app.instance_path) / SERVING_URL_FILE).write_text(base + "\n", encoding="utf-8")
    click.echo(f"\nSuara Warga is starting at {base}\n")
    counters = db.session.scalars(select(Counter).where(Counter.active).order_by(Counter.public_code)).all()
    click.echo("Citizen survey, one link per counter (open on a phone, or print the QR from the admin page):")
    for counter in counters:
        click.echo(f"  {counter.unit.name}, {counter.name}: {counter_survey_url(counter)}")
    units = db.session.scalars(select(Unit).order_by(Unit.name)).all()
    if units:
        click.echo("Public unit pages (published SKM results, complaints):")
        for unit in units:
            click.echo(f"  {unit.name}: {base.rstrip('/')}/u/{unit.slug}")
    click.echo(f"Staff login: {base}/masuk")
    from ..services.demo import DEMO_PASSWORD

    logins = db.session.scalars(select(User.login).order_by(User.login)).all()
    if logins:
        click.echo(f"Demo accounts (password {DEMO_PASSWORD!r}): {', '.join(logins)}\n")


COMMANDS = (users, qr_command, demo_data, welcome)
