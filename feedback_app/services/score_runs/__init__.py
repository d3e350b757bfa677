"""Score runs: one stored run per unit and period with every indicator and its explanation (spec §1–§3, §6, §7).

A run keeps everything needed to audit it later: the period, the parameters, the code version, how many inputs
of each kind it saw, who asked and when, and one row per indicator per employee (plus the unit's own rows) with
the explanation :mod:`scoring` produced. Recomputing stores a new run that supersedes the old one; old runs are
never changed otherwise, so they stay readable.

Reading a run (:mod:`.reading`; what the staff, supervisor, HR and public pages and the CLI use):

- ``current_run(unit, period_id)``: the latest run not superseded, provisional or not; ``None`` if there is none.
- ``final_run(unit, period_id)``: that run only when it is final, neither provisional nor superseded (spec §7).
- ``run_history(unit, period_id)``: every run of the unit for the period, newest first (superseded ones too).
- ``unit_rows(run)``: the unit's own rows (``ikm`` with its SKM summary, ``ikp``, service times,
  complaints, ``predikat_distribution``) as ``{code: ScoreIndicator}``.
- ``employee_rows(run, employee_id)``: one employee's rows as ``{code: ScoreIndicator}`` (``ikm``, ``ikp``,
  service times, complaints, ``hasil_kerja``, ``perilaku``, ``predikat``); empty if the run did not score them.
- ``run_report(run, employee_code=None)``: the unit's rows and one figure per employee (by default the run's
  ``headline_estimate``, ``ikp`` or ``ikp_adjusted``: ``headline_code(run)``), by name, in two queries.
- ``bias_audit_rows(run)`` (:mod:`.bias`): the run's stored bias audit as headers and rows (HR export, pages).
- ``indicator_rows(run)``: every row of a run in a stable order (audits, exports, tests).

A row's ``value`` is the headline figure (for ikm and ikp the estimate shrunk toward the unit), ``status`` is
``ok``, ``insufficient_data`` ("data belum cukup": keep it for audit, do not show the figure) or
``not_available``, and ``explanation`` is the indicator's ``to_dict()``, the "how was this computed" to render.

Writing (:mod:`.compute`, :mod:`.rows`, :mod:`.parameters`): ``compute_score_run`` reads the statistics in SQL,
scores with :mod:`scoring` and streams the rows through :class:`.rows.IndicatorRows`; ``unit_parameters``,
``set_unit_parameters`` and ``overridden_parameters`` keep a unit's parameters (plain values; the CLI parses text).
"""

from __future__ import annotations

from .bias import BIAS_AUDIT_HEADERS, AuditGroup, AuditView, bias_audit_rows, bias_audit_view
from .compute import RUN_WORK_MEM, SCORE_RUN_LOCK_NAMESPACE, SCORE_RUN_STEPS, compute_score_run, units_to_score
from .errors import ScoreRunError
from .parameters import (
    PARAMETER_KEYS,
    overridden_parameters,
    parameter_text,
    parse_parameter_text,
    set_unit_parameters,
    unit_parameters,
)
from .reading import (
    EmployeeFigure,
    RunReport,
    current_run,
    employee_rows,
    final_run,
    headline_code,
    indicator_rows,
    run_history,
    run_report,
    unit_rows,
)
from .rows import INDICATOR_BATCH, INDICATOR_COLUMNS, AnyIndicator, IndicatorRow
from .verification import DIFFERENCE_LIMIT, VERIFIED_INPUTS, RunVerification, verify_score_run

__all__ = [
    "BIAS_AUDIT_HEADERS",
    "DIFFERENCE_LIMIT",
    "INDICATOR_BATCH",
    "INDICATOR_COLUMNS",
    "PARAMETER_KEYS",
    "RUN_WORK_MEM",
    "SCORE_RUN_LOCK_NAMESPACE",
    "SCORE_RUN_STEPS",
    "VERIFIED_INPUTS",
    "AnyIndicator",
    "AuditGroup",
    "AuditView",
    "EmployeeFigure",
    "IndicatorRow",
    "RunReport",
    "RunVerification",
    "ScoreRunError",
    "bias_audit_rows",
    "bias_audit_view",
    "compute_score_run",
    "current_run",
    "employee_rows",
    "final_run",
    "headline_code",
    "indicator_rows",
    "overridden_parameters",
    "parameter_text",
    "parse_parameter_text",
    "run_history",
    "run_report",
    "set_unit_parameters",
    "unit_parameters",
    "unit_rows",
    "units_to_score",
    "verify_score_run",
]
