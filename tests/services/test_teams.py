"""Teams are read from the assignments valid on a date (spec §7: at the period's end)."""

from __future__ import annotations

from datetime import date

from feedback_app.extensions import db
from feedback_app.models import EmployeeAssignment
from feedback_app.services.teams import assignment_on, is_in_team, supervisor_of, team_of


def _assign(employee, unit, supervisor, start, end=None):
    db.session.add(
        EmployeeAssignment(
            employee=employee, unit=unit, position="Petugas", supervisor=supervisor, valid_from=start, valid_until=end
        )
    )
    db.session.flush()


def test_the_team_is_who_names_the_supervisor_on_that_day(app, build):
    unit = build.unit()
    boss, other_boss = build.employee(unit), build.employee(unit)
    ani, budi, citra = build.employee(name="Ani"), build.employee(name="Budi"), build.employee(name="Citra")
    _assign(ani, unit, boss, date(2026, 1, 1))
    _assign(budi, unit, boss, date(2026, 1, 1), date(2026, 7, 1))  # moved to another supervisor in July
    _assign(budi, unit, other_boss, date(2026, 7, 1))
    _assign(citra, unit, other_boss, date(2026, 1, 1))

    assert [e.name for e in team_of(boss, date(2026, 6, 30))] == ["Ani", "Budi"]
    assert [e.name for e in team_of(boss, date(2026, 9, 30))] == ["Ani"]
    assert [e.name for e in team_of(other_boss, date(2026, 9, 30))] == ["Budi", "Citra"]
    assert supervisor_of(budi, date(2026, 6, 30)) == boss
    assert supervisor_of(budi, date(2026, 7, 1)) == other_boss
    assert is_in_team(other_boss, budi, date(2026, 9, 30)) and not is_in_team(boss, budi, date(2026, 9, 30))
    assert supervisor_of(ani, date(2025, 12, 31)) is None and assignment_on(ani, date(2025, 12, 31)) is None
