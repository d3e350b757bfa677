"""``flask service-times``: wait, service and on-time figures per employee, per counter or for a unit (spec §2.3)."""

from __future__ import annotations

import json

import click
from sqlalchemy import select

from scoring import ServiceTimeStats, service_time_indicators

from ..extensions import db
from ..models import Counter, Employee
from ..services.score_runs import unit_parameters
from ..services.sufficient_statistics import service_time_stats
from .common import period_by_code, unit_by_slug

COLUMNS = (
    "wait_median_minutes",
    "wait_p90_minutes",
    "service_median_minutes",
    "service_p90_minutes",
    "on_time_rate",
    "tickets_per_working_day",
    "no_show_rate",
    "error_rate",
)


@click.command("service-times")
@click.option("--unit", "unit_slug", required=True, help="The unit's slug.")
@click.option("--period", "period_code", required=True, help="2026-10, 2026-Q4, 2026-S2 or 2026.")
@click.option(
    "--by", "group_by", type=click.Choice(["employee", "counter", "unit"]), default="employee", show_default=True
)
@click.option("--json", "as_json", is_flag=True, help="Every indicator with its explanation, as JSON.")
def service_times(unit_slug: str, period_code: str, group_by: str, as_json: bool) -> None:
    """Service-time indicators for a period in the unit's own zone, computed in SQL, each with its n."""
    unit = unit_by_slug(unit_slug)
    period = period_by_code(period_code)
    parameters = unit_parameters(unit)
    if group_by == "unit":
        unit_stats = service_time_stats(unit, period, "unit", parameters.on_time_rule)
        groups: dict[str, ServiceTimeStats | None] = {unit.name: unit_stats}
    else:
        by_id = service_time_stats(unit, period, group_by, parameters.on_time_rule)  # type: ignore[call-overload]
        model = Employee if group_by == "employee" else Counter
        label = Employee.name if group_by == "employee" else Counter.public_code
        names = dict(db.session.execute(select(model.id, label).where(model.id.in_(list(by_id)))).all())
        groups = {names[key]: stats for key, stats in sorted(by_id.items(), key=lambda item: names[item[0]])}
    results = {name: service_time_indicators(stats, parameters) for name, stats in groups.items()}
    if as_json:
        click.echo(json.dumps({name: result.to_dict() for name, result in results.items()}, indent=2))
        return
    click.echo(f"{unit.name}, {period.label} ({period.start} to {period.end}, {unit.zone_abbreviation})")
    click.echo("\t".join((group_by, "tickets", *COLUMNS)))
    for name, result in results.items():
        stats = groups[name]
        cells = [
            str(getattr(result, column).value) if getattr(result, column).value is not None else "n/a"
            for column in COLUMNS
        ]
        click.echo("\t".join((name, str(stats.tickets_issued if stats else 0), *cells)))


COMMANDS = (service_times,)
