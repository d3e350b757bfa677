"""Exports for HR systems and analysts (issue 14 item 2): data first, format second.

Each module returns :class:`~feedback_app.services.tabular.Sheet` objects whose rows are generators, so a view or
the CLI writes them as CSV (``tabular.csv_chunks``, streamed) or XLSX (``tabular.write_xlsx``, write-only mode),
and memory stays flat in the number of rows:

- :mod:`.indicators`: per-employee indicators from the latest **final** runs and the confirmed appraisals of a
  period and set of units, plus a sheet of explanations and parameters; the API reads the same records a page at
  a time (``indicator_page``).
- :mod:`.raw_responses`: every survey response of the period for analysts: local dates without times, no
  fingerprints, comments masked and withheld for thinly answered employees (spec §5).
- :mod:`.ekinerja`: the e-Kinerja (BKN) evidence sheet of one ASN employee and the printable appraisal summary.

Exports are reads: they change nothing, so they write no audit row (spec §7 audits writes; a download log of
every analyst would itself be personal data). Access is decided by the views (role and unit scope).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from ...extensions import db
from ...models import Unit


def units_by_id(unit_ids: Iterable[int]) -> list[Unit]:
    """The units, by name (exports list units in this order)."""
    ids = sorted(set(unit_ids))
    if not ids:
        return []
    return list(db.session.scalars(select(Unit).where(Unit.id.in_(ids)).order_by(Unit.name, Unit.id)))
