"""Verification: the stored run equals the floor's aggregation, exactly."""

from __future__ import annotations

import json
import math
from fractions import Fraction
from typing import Any

from bench.scoring.database import Target
from bench.scoring.floor import UNIT_KEY, Floor
from bench.scoring.run import RunResult
from bench.scoring.settings import IKP, UNSUR


def two_places(exact: Fraction) -> Fraction:
    """Round half up to 2 decimals (spec §1.3), written independently of scoring."""
    return Fraction(math.floor(exact * 100 + Fraction(1, 2)), 100)


def floor_expectations(floor: Floor) -> tuple[dict[int | None, dict[str, dict[str, Any]]], Fraction | None, int]:
    """Per employee (None: the unit), per indicator code, the explanation inputs the app must have stored; and the
    unit IKM with its n."""
    expected: dict[int | None, dict[str, dict[str, Any]]] = {}

    def satisfaction(key: int | None, numbers: tuple[int, ...]) -> None:
        n, counts, (ikm_sum, ikm_sq, ikp_sum, ikp_sq) = numbers[0], numbers[1:37], numbers[37:]
        table = {u.upper(): list(counts[4 * i : 4 * i + 4]) for i, u in enumerate(UNSUR)}
        ikm = (
            {"n": n, "counts": table}
            if key is None
            else {"n": n, "counts": table, "raw_sum": ikm_sum, "raw_sum_sq": ikm_sq}
        )
        expected.setdefault(key, {})["ikm"] = ikm
        expected[key]["ikp"] = {
            "n": n,
            "counts": {u.upper(): table[u.upper()] for u in IKP},
            "raw_sum": ikp_sum,
            "raw_sum_sq": ikp_sq,
        }

    def service(key: int | None, counts: tuple[int, ...], wait: tuple, times: tuple, days: int) -> None:
        issued, done, no_show, returned, on_time = counts
        expected.setdefault(key, {}).update(
            {
                "wait_median_minutes": {"wait_n": wait[0], "wait_p50_seconds": wait[1]},
                "wait_p90_minutes": {"wait_n": wait[0], "wait_p90_seconds": wait[2]},
                "service_median_minutes": {"service_n": times[0], "service_p50_seconds": times[1]},
                "service_p90_minutes": {"service_n": times[0], "service_p90_seconds": times[2]},
                "on_time_rate": {"tickets_on_time": on_time, "tickets_finished": done},
                "tickets_per_working_day": {"tickets_finished": done, "working_days": days},
                "no_show_rate": {"tickets_no_show": no_show, "tickets_issued": issued},
                "error_rate": {"tickets_returned": returned, "tickets_finished": done},
            }
        )

    def complaints(key: int | None, count: int, answered: int, median: int | None) -> None:
        expected.setdefault(key, {})["first_response_median_hours"] = {
            "answered": answered,
            "first_response_median_seconds": median,
        }
        expected[key]["complaints"] = {"complaints": count}

    none = (0, None, None)
    for employee, numbers in floor.satisfaction.items():
        if employee is not None:
            satisfaction(employee, numbers)
    for employee, counts in floor.tickets.items():
        if employee is not None:
            days = floor.staffed_days.get(employee) or floor.finished_days.get(employee, 0)
            service(
                employee,
                counts,
                floor.percentiles.get(("wait", employee), none),
                floor.percentiles.get(("service", employee), none),
                days,
            )
    for employee, (count, answered) in floor.complaints.items():
        if employee is not None:
            complaints(employee, count, answered, floor.complaint_medians.get(employee))

    unit_n = sum(numbers[0] for numbers in floor.satisfaction.values())
    unit_ikm = None
    if unit_n:  # the unit: every valid response, also those attributed to nobody
        satisfaction(None, tuple(map(sum, zip(*floor.satisfaction.values()))))
        total = sum(numbers[37] for numbers in floor.satisfaction.values())  # Σ of all nine answers
        unit_ikm = two_places(Fraction(25 * total, 9 * unit_n))  # 25 × Σᵢ (1/9)·NRRᵢ with NRRᵢ = Σᵢ / n
    if floor.tickets:
        days = floor.staffed_days.get(UNIT_KEY) or floor.finished_days.get(UNIT_KEY, 0)
        service(
            None,
            tuple(map(sum, zip(*floor.tickets.values()))),
            floor.percentiles.get(("wait", UNIT_KEY), none),
            floor.percentiles.get(("service", UNIT_KEY), none),
            days,
        )
    if floor.complaints:
        count, answered = map(sum, zip(*floor.complaints.values()))
        complaints(None, count, answered, floor.complaint_medians.get(UNIT_KEY))
    return expected, unit_ikm, unit_n


CHECKED_CODES = (
    "ikm",
    "ikp",
    "wait_median_minutes",
    "wait_p90_minutes",
    "service_median_minutes",
    "service_p90_minutes",
    "on_time_rate",
    "tickets_per_working_day",
    "no_show_rate",
    "error_rate",
    "first_response_median_hours",
    "answered_within_3_working_days_rate",
)
#: The complaint desk's speed is a unit figure only (spec §2.4): employees carry the other codes.
UNIT_ONLY_CODES = ("first_response_median_hours", "answered_within_3_working_days_rate")


def verify(target: Target, run: RunResult, floor: Floor) -> tuple[list[str], dict[str, Any]]:
    """Compare the stored run with the floor; returns the problems (empty = equal) and a few figures to show."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    expected, unit_ikm, unit_n = floor_expectations(floor)
    problems: list[str] = []
    shown: dict[str, Any] = {}
    seen: set[int] = set()
    engine = create_engine(target.url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            unit_row = connection.execute(
                text(
                    "SELECT value, n, explanation FROM score_indicators WHERE run_id = :r AND employee_id IS NULL "
                    "AND code = 'ikm'"
                ),
                {"r": run.run_id},
            ).one()
            value = None if unit_row.value is None else Fraction(str(unit_row.value))
            shown["unit_ikm_app"] = None if value is None else f"{float(value):.2f}"
            shown["unit_ikm_floor"] = None if unit_ikm is None else f"{float(unit_ikm):.2f}"
            shown["unit_ikm_app_exact"] = None if value is None else str(value)
            shown["unit_ikm_floor_exact"] = None if unit_ikm is None else str(unit_ikm)
            shown["unit_n"] = unit_n
            if value != unit_ikm or unit_row.n != unit_n:
                problems.append(f"unit IKM: app {value} (n {unit_row.n}), DuckDB {unit_ikm} (n {unit_n})")
            if run.input_counts.get("responses_by_status") != dict(sorted(floor.statuses.items())):
                problems.append(
                    f"status counts: app {run.input_counts.get('responses_by_status')}, DuckDB {floor.statuses}"
                )
            codes = ", ".join(f"'{code}'" for code in CHECKED_CODES)
            result = connection.execution_options(stream_results=True, yield_per=20_000).execute(
                text(
                    f"SELECT employee_id, code, explanation FROM score_indicators WHERE run_id = :r "
                    f"AND code IN ({codes})"
                ),
                {"r": run.run_id},
            )
            checked = 0
            for employee_id, code, explanation in result:
                if isinstance(explanation, str):
                    explanation = json.loads(explanation)
                seen.add(employee_id)
                inputs = dict(explanation.get("explanation", {}).get("inputs", {}))
                if employee_id is None and code == "ikm" and inputs.get("n") == 0:
                    inputs = {}  # the unit's IKM without responses: not available
                want = expected.get(employee_id, {})
                if code == "answered_within_3_working_days_rate":
                    got = {"complaints": inputs.get("complaints")} if inputs else None
                    wanted = want.get("complaints")
                else:
                    wanted = want.get(code)
                    got = {key: inputs.get(key) for key in wanted} if wanted and inputs else (inputs or None)
                    if wanted is not None and code in ("ikm", "ikp") and wanted["n"] == 0:
                        wanted = None
                    if got is not None and code in ("ikm", "ikp") and got.get("n") == 0:
                        got = None
                if got != wanted:
                    who = "the unit" if employee_id is None else f"employee {employee_id}"
                    if len(problems) < 8:
                        problems.append(f"{who} {code}: app {got}, DuckDB {wanted}")
                    else:
                        problems.append("...")
                        break
                checked += 1
            shown["figures_checked"] = checked
            missing = [e for e in expected if e not in seen and e is not None]
            if missing:
                problems.append(
                    f"{len(missing)} employees have figures in DuckDB but none in the run, e.g. {missing[:3]}"
                )
            employees = sorted(e for e in seen if e is not None)
            sample = employees[:: max(1, len(employees) // 3)][:3]
            shown["sample"] = {
                e: {
                    "n": expected.get(e, {}).get("ikm", {}).get("n"),
                    "wait_p50_s": expected.get(e, {}).get("wait_median_minutes", {}).get("wait_p50_seconds"),
                    "service_p90_s": expected.get(e, {}).get("service_p90_minutes", {}).get("service_p90_seconds"),
                }
                for e in sample
            }
    finally:
        engine.dispose()
    return problems, shown
