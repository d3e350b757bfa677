"""The row writer: a run's indicator rows, stored while they are computed (table ``score_indicators``)."""

from __future__ import annotations

import json
from contextlib import ExitStack
from decimal import Decimal
from typing import Any

from sqlalchemy import Text, bindparam

from scoring import AppraisalIndicator, Indicator, SatisfactionIndicator, UnitIkmIndicator

from ...extensions import db
from ...models import ScoreIndicator

#: Indicator rows written per INSERT statement while a run is computed (PostgreSQL takes them all in one COPY).
INDICATOR_BATCH = 5000

AnyIndicator = SatisfactionIndicator | Indicator | AppraisalIndicator | UnitIkmIndicator


#: The columns of an indicator row, in the order :class:`IndicatorRows` writes them.
INDICATOR_COLUMNS = ("run_id", "employee_id", "code", "status", "value", "n", "explanation")

#: An indicator row without its run and employee: code, status, value, n and the explanation as JSON text.
IndicatorRow = tuple[str, str, Decimal | None, int, str]


def indicator_row(indicator: AnyIndicator) -> IndicatorRow:
    """What is stored of an indicator; the explanation is serialised here, once, whatever the row is written with."""
    value: Decimal | None
    if isinstance(indicator, SatisfactionIndicator):
        value = indicator.shrunk  # the headline figure: shrunk toward the unit (spec §2.2)
    else:
        value = indicator.value
    explanation = json.dumps(indicator.to_dict(), ensure_ascii=False, separators=(",", ":"))
    return indicator.code, indicator.status.value, value, indicator.n, explanation


class IndicatorRows:
    """A run's indicator rows, written while they are computed, so a run of tens of thousands of employees never
    holds all its rows (and their explanations) in memory at once. Used as a context manager around the scoring.

    PostgreSQL gets them through one ``COPY … FROM STDIN`` in the run's transaction, open while the employees are
    scored, so the server stores rows as they come (see "Measured decisions" in docs/benchmarks.md). The COPY
    runs inside a savepoint: if anything fails midway, the COPY is abandoned and the savepoint rolled back, so the
    caller's transaction stays usable. Elsewhere a Core executemany per :data:`INDICATOR_BATCH` rows, with the
    explanation bound as the JSON text already made.
    """

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self.pending: list[tuple[int, int | None, str, str, Decimal | None, int, str]] = []
        self.use_copy = db.session.get_bind().dialect.name == "postgresql"
        self._copy: Any = None
        self._open = ExitStack()

    def __enter__(self) -> IndicatorRows:
        if self.use_copy:
            savepoint = db.session.begin_nested()
            self._open.callback(lambda: savepoint.commit() if savepoint.is_active else None)
            self._open.push(lambda kind, error, trace: savepoint.rollback() if error is not None else None)
            driver = db.session.connection().connection.driver_connection
            assert driver is not None  # an open connection has its driver's
            cursor = self._open.enter_context(driver.cursor())
            columns = ", ".join(INDICATOR_COLUMNS)
            self._copy = self._open.enter_context(cursor.copy(f"COPY score_indicators ({columns}) FROM STDIN"))
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: Any) -> None:
        if error is None and not self.use_copy:
            self.flush()
        self._open.__exit__(kind, error, trace)

    def add_all(self, employee_id: int | None, indicators: list[AnyIndicator]) -> None:
        self.add_rows(employee_id, [indicator_row(indicator) for indicator in indicators])

    def add_rows(self, employee_id: int | None, rows: list[IndicatorRow]) -> None:
        """Rows made by :func:`indicator_row`, possibly once for many employees, stored under ``employee_id``."""
        run_id = self.run_id
        if self._copy is not None:
            write = self._copy.write_row
            for row in rows:
                write((run_id, employee_id, *row))
            return
        self.pending.extend((run_id, employee_id, *row) for row in rows)
        if len(self.pending) >= INDICATOR_BATCH:
            self.flush()

    def flush(self) -> None:
        """Write the pending rows (the INSERT path), one statement for all of them."""
        if self.pending:
            db.session.execute(_INSERT_INDICATOR, [dict(zip(INDICATOR_COLUMNS, row)) for row in self.pending])
            self.pending = []


#: The INSERT of :class:`IndicatorRows` where COPY is not available: the explanation arrives as JSON text.
_INSERT_INDICATOR = ScoreIndicator.__table__.insert().values(explanation=bindparam("explanation", type_=Text))
