"""Verifying a stored run: recompute it from the database and compare everything (issue 15; spec §6 audit).

``verify_score_run`` recomputes the run's unit and period with the parameters the run stored, inside a savepoint
that is rolled back (nothing of the recomputation stays), and compares the digest of the inputs, the input counts
and every indicator row — status, value, n and explanation — ids and times aside. A run computed by another code
version says so first (its figures may differ for that reason alone); a period whose answers and tickets are past
the retention boundary cannot be recomputed and is reported as such.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from scoring import ScoringError, ScoringParameters, parse_period

from ...extensions import db
from ...models import ScoreIndicator, ScoreRun
from ...version import code_version
from ..partitions import history_kept_since
from ..sufficient_statistics import period_window
from .compute import compute_score_run
from .errors import ScoreRunError

#: The inputs a run counts, compared as they are stored in ``input_counts``.
VERIFIED_INPUTS = ("responses_by_status", "responses_valid", "tickets", "tickets_finished")
#: At most this many differences are printed by ``flask scores verify`` (the first ones, in a stable order).
DIFFERENCE_LIMIT = 40


@dataclass(frozen=True)
class RunVerification:
    """The outcome of recomputing a run.

    ``status``: ``identical`` | ``different`` | ``inputs_past_retention``. ``differences`` are plain sentences,
    the inputs first, then the rows; ``input_changes`` maps an input count to (stored, now).
    """

    status: str
    kept_since: datetime  # the oldest instant the retention period still keeps
    stored_code_version: str
    current_code_version: str
    differences: tuple[str, ...] = ()
    input_changes: Mapping[str, tuple[object, object]] = field(default_factory=dict)
    digest_matches: bool | None = None  # None: the run stored no digest (computed before migration 0017)
    rows_differing: tuple[str, ...] = ()  # "unit ikp", "employee #12 ikp_adjusted", ...

    @property
    def other_code_version(self) -> bool:
        return self.stored_code_version != self.current_code_version


def _row_key(row: ScoreIndicator) -> tuple[int, str]:
    return (-1 if row.employee_id is None else row.employee_id, row.code)


def _rows(run_id: int) -> dict[tuple[int, str], dict[str, Any]]:
    rows = db.session.scalars(select(ScoreIndicator).where(ScoreIndicator.run_id == run_id))
    return {
        _row_key(row): {
            "status": row.status,
            "value": None if row.value is None else str(row.value),
            "n": row.n,
            "explanation": json.loads(json.dumps(row.explanation)),
        }
        for row in rows
    }


def _differences(path: str, stored: Any, now: Any, out: list[str]) -> None:
    """Name each leaf that differs between two JSON values, e.g. ``explanation.inputs.n: 40 → 39``."""
    if isinstance(stored, dict) and isinstance(now, dict):
        for key in sorted(set(stored) | set(now), key=str):
            _differences(f"{path}.{key}", stored.get(key), now.get(key), out)
    elif isinstance(stored, list) and isinstance(now, list) and len(stored) == len(now):
        for index, (a, b) in enumerate(zip(stored, now)):
            _differences(f"{path}[{index}]", a, b, out)
    elif stored != now:
        out.append(f"{path}: {json.dumps(stored, ensure_ascii=False)} → {json.dumps(now, ensure_ascii=False)}")


def verify_score_run(run: ScoreRun, retention_years: int) -> RunVerification:
    """Recompute ``run`` from the database and say whether it is identical, ids and times aside (issue 15)."""
    unit = run.unit
    period = parse_period(run.period_id)
    kept_since = history_kept_since(retention_years)
    stored_version, current_version = run.code_version, code_version()
    if period_window(unit, period).start < kept_since:
        return RunVerification("inputs_past_retention", kept_since, stored_version, current_version)
    try:
        parameters = ScoringParameters.from_dict(run.parameters)
    except ScoringError as error:
        raise ScoreRunError(f"Run #{run.id} stored parameters this code cannot read: {error}") from None
    stored_rows = _rows(run.id)
    savepoint = db.session.begin_nested()
    try:
        again = compute_score_run(unit, period, "verify", parameters=parameters)
        db.session.flush()
        new_rows = _rows(again.id)
        new_counts, new_digest = dict(again.input_counts), again.input_digest
    finally:
        savepoint.rollback()
    db.session.expire_all()
    changes = {
        name: (run.input_counts.get(name), new_counts.get(name))
        for name in VERIFIED_INPUTS
        if run.input_counts.get(name) != new_counts.get(name)
    }
    out = [f"input {name}: {json.dumps(a)} → {json.dumps(b)}" for name, (a, b) in changes.items()]
    digest_matches = None if run.input_digest is None else run.input_digest == new_digest
    if digest_matches is False:
        out.append(f"input digest: {run.input_digest} → {new_digest}")
    rows_differing: list[str] = []
    for key in sorted(set(stored_rows) | set(new_rows)):
        who = "unit" if key[0] == -1 else f"employee #{key[0]}"
        before, after = stored_rows.get(key), new_rows.get(key)
        if before is None or after is None:
            out.append(f"{who} {key[1]}: {'not in the stored run' if before is None else 'no longer computed'}")
            rows_differing.append(f"{who} {key[1]}")
            continue
        found: list[str] = []
        _differences("", before, after, found)
        out.extend(f"{who} {key[1]}{line}" for line in found)
        if found:
            rows_differing.append(f"{who} {key[1]}")
    status = "different" if out else "identical"
    return RunVerification(
        status, kept_since, stored_version, current_version, tuple(out), changes, digest_matches, tuple(rows_differing)
    )
