"""The bias audit flags a rater bias of a stated size and stays quiet without one (issue 15).

The units come from the fairness simulation (bench/fairness.py): 60 employees in three counters (about 25 of
each sex, 9 without NIP), true service quality varying between them (sd 0.25 answer points), service types and one
counter rating lower whatever the employee, 100 answers each; one unit per seed, 20 fixed seeds.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.fairness import FULL, Employee, iter_units
from scoring import DEFAULT_PARAMETERS, GroupStats, InvalidStatistics, bias_audit, holm_adjust

N = 100
SEEDS = range(1, 21)
UNIT = replace(FULL, units=1, employees_per_counter=20, n_levels=(N,))


def groups(employees: list[Employee], n: int = N) -> list[GroupStats]:
    by: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for person in employees:
        member = (n, sum(u3 + u6 + u7 for u3, u6, u7, _t, _s in person.answers[:n]))
        by.setdefault(("sex", person.sex), []).append(member)
        by.setdefault(("employment_type", person.employment_type), []).append(member)
        by.setdefault(("counter", str(person.counter)), []).append(member)
    return [GroupStats(dimension, group, tuple(members)) for (dimension, group), members in by.items()]


def sex_flagged(employees: list[Employee]) -> bool:
    return any(c.dimension == "sex" and c.flagged for c in bias_audit(groups(employees)).comparisons)


def test_a_rater_bias_of_half_an_answer_point_against_women_is_flagged_at_100_answers() -> None:
    settings = replace(UNIT, rater_bias=0.5)  # about 10 index points
    flagged = [sex_flagged(unit) for unit in iter_units(settings, "rater_bias", SEEDS)]
    assert all(flagged), f"flagged in {sum(flagged)} of {len(flagged)} units"


def test_without_rater_bias_the_audit_flags_nothing_in_at_least_95_percent_of_the_seeds() -> None:
    settings = UNIT
    audits = [bias_audit(groups(unit)) for unit in iter_units(settings, "baseline", SEEDS)]
    quiet = [not any(c.flagged for c in audit.comparisons if c.dimension != "counter") for audit in audits]
    assert sum(quiet) >= 0.95 * len(quiet), f"quiet in {sum(quiet)} of {len(quiet)}"
    assert all(audit.comparisons for audit in audits)  # the comparisons were made, they just found nothing


def test_a_counter_that_handles_the_hard_cases_is_flagged_whatever_its_staff_do() -> None:
    settings = UNIT
    audit = bias_audit(groups(next(iter_units(settings, "service_mix", [1]))))
    assert any(c.dimension == "counter" and c.flagged for c in audit.comparisons)


def test_small_groups_are_hidden_and_keep_no_figures() -> None:
    big = GroupStats("sex", "1", tuple((40, 400 + i) for i in range(6)))
    small = GroupStats("sex", "unknown", tuple((40, 300 + i) for i in range(4)))  # four employees
    few_answers = GroupStats("sex", "2", tuple((4, 40 + i) for i in range(6)))  # 24 answers < 30
    audit = bias_audit([big, small, few_answers])
    hidden = [g for g in audit.groups if not g.shown]
    assert {g.group for g in hidden} == {"unknown", "2"}
    assert all(g.mean is None and g.n is None and g.employees is None for g in hidden)
    assert audit.comparisons == ()  # only one group left to show: nothing to compare it with
    with pytest.raises(InvalidStatistics, match="given twice"):
        bias_audit([big, big])


@given(st.lists(st.floats(0, 1), min_size=1, max_size=12))
def test_holm_never_lowers_a_p_value_and_keeps_their_order(p_values: list[float]) -> None:
    adjusted = holm_adjust(p_values)
    assert all(a >= round(p, 12) - 1e-12 and a <= 1 for a, p in zip(adjusted, p_values))
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    assert [adjusted[i] for i in order] == sorted(adjusted)


def test_the_stored_form_names_the_rule() -> None:
    stored = bias_audit([], DEFAULT_PARAMETERS).to_dict()
    assert stored["min_employees"] == 5 and stored["min_answers"] == 30
    assert Decimal(stored["confidence"]) == Decimal("0.95") and "Holm" in stored["method"]
