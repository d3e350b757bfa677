"""Per-employee indicators of a period for a set of units: the latest final run of each unit and the confirmed
appraisals (spec §2, §3, §7). One record per scored employee; the CSV/XLSX export and ``GET /api/v1/indicators``
read the same records."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select, tuple_

from ...extensions import db
from ...i18n import lazy_gettext as _l
from ...models import Appraisal, Employee, ScoreIndicator, ScoreRun, Unit
from ..peer_feedback import peer_feedback_rows
from ..score_runs import final_run
from ..score_runs.bias import BIAS_AUDIT_HEADERS, bias_audit_rows
from ..tabular import Column, Sheet
from . import units_by_id

#: The employee indicators exported, in column order.
EXPORT_CODES = (
    "ikp",
    "ikm",
    "wait_median_minutes",
    "wait_p90_minutes",
    "service_median_minutes",
    "service_p90_minutes",
    "on_time_rate",
    "tickets_per_working_day",
    "no_show_rate",
    "error_rate",
)
INDICATOR_TITLES = {
    "ikp": _l("IKP (indeks kepuasan pelaksana)"),
    "ikm": _l("IKM pegawai (9 unsur)"),
    "wait_median_minutes": _l("Median waktu tunggu (menit)"),
    "wait_p90_minutes": _l("Persentil 90 waktu tunggu (menit)"),
    "service_median_minutes": _l("Median waktu layanan (menit)"),
    "service_p90_minutes": _l("Persentil 90 waktu layanan (menit)"),
    "on_time_rate": _l("Selesai sesuai standar loket (%)"),
    "tickets_per_working_day": _l("Tiket selesai per hari kerja"),
    "no_show_rate": _l("Tidak hadir (%)"),
    "error_rate": _l("Dikembalikan untuk perbaikan (%)"),
}
INDICATOR_NOTES = {
    "ikp": _l(
        "25 × rata-rata jawaban U3, U6, U7 (bobot 1/3), disesuaikan ke nilai unit: (n·nilai + k·unit) ÷ (n + k); "
        "kosong bila n di bawah ambang publikasi (spec §2.2)."
    ),
    "ikm": _l("IKM 9 unsur dari respons yang diatribusikan ke pegawai, disesuaikan ke nilai unit (spec §2.2)."),
    "wait_median_minutes": _l("Dipanggil pertama − diambil, median nearest-rank dalam detik utuh (spec §2.3)."),
    "wait_p90_minutes": _l("Persentil 90 nearest-rank waktu tunggu (spec §2.3)."),
    "service_median_minutes": _l("Selesai − mulai dilayani (atau − dipanggil), median (spec §2.3)."),
    "service_p90_minutes": _l("Persentil 90 nearest-rank waktu layanan (spec §2.3)."),
    "on_time_rate": _l("Bagian tiket dengan selesai − diambil ≤ standar loket jenis layanannya (spec §2.3)."),
    "tickets_per_working_day": _l("Tiket selesai ÷ hari kerja pegawai (masuk loket atau terjadwal) (spec §5)."),
    "no_show_rate": _l("Bagian tiket yang berakhir tidak hadir (spec §2.3)."),
    "error_rate": _l("Bagian tiket yang pernah dikembalikan untuk perbaikan (spec §2.3)."),
}
RATING_TEXT = {"di_atas": "Di Atas Ekspektasi", "sesuai": "Sesuai Ekspektasi", "di_bawah": "Di Bawah Ekspektasi"}
PREDIKAT_TEXT = {
    "sangat_baik": "Sangat Baik",
    "baik": "Baik",
    "butuh_perbaikan": "Butuh Perbaikan",
    "kurang": "Kurang/Misconduct",
    "sangat_kurang": "Sangat Kurang",
}
CENT = Decimal("0.01")
STATUS_TEXT = {"ok": "", "insufficient_data": "data belum cukup", "not_available": "tidak tersedia"}
#: Employees per page of the API (and per batch of the file exports).
PAGE_DEFAULT = 100
PAGE_MAX = 500


@dataclass(frozen=True)
class Figure:
    """One stored indicator: the headline (shrunk where that applies) only when published, the raw one beside."""

    indicator_id: int
    status: str
    value: Decimal | None
    raw: str | None
    n: int | None

    @property
    def shown(self) -> Decimal | None:
        return self.value if self.status == "ok" else None


@dataclass(frozen=True)
class IndicatorRecord:
    unit: Unit
    run: ScoreRun
    employee: Employee
    figures: dict[str, Figure]
    appraisal: Appraisal | None  # confirmed only

    @property
    def key(self) -> tuple[int, int]:
        return (self.unit.id, self.employee.id)


def final_runs(unit_ids: Sequence[int], period_id: str) -> dict[int, ScoreRun]:
    """The final run (spec §7) of each unit that has one for the period."""
    runs = {}
    for unit in units_by_id(unit_ids):
        run = final_run(unit, period_id)
        if run is not None:
            runs[unit.id] = run
    return runs


def indicator_page(
    runs: dict[int, ScoreRun], after: tuple[int, int] | None = None, limit: int = PAGE_DEFAULT
) -> list[IndicatorRecord]:
    """Up to ``limit`` employee records of the runs ordered by (unit id, employee id), after the key ``after``.

    Four queries whatever the page size: the employees of the page, their indicator rows, the employees and their
    confirmed appraisals.
    """
    if not runs:
        return []
    run_ids = [run.id for run in runs.values()]
    unit_of_run = {run.id: run.unit_id for run in runs.values()}
    key = tuple_(ScoreRun.unit_id, ScoreIndicator.employee_id)
    query = (
        select(ScoreRun.unit_id, ScoreIndicator.employee_id)
        .join(ScoreRun, ScoreRun.id == ScoreIndicator.run_id)
        .where(ScoreIndicator.run_id.in_(run_ids), ScoreIndicator.employee_id.is_not(None))
        .group_by(ScoreRun.unit_id, ScoreIndicator.employee_id)
        .order_by(ScoreRun.unit_id, ScoreIndicator.employee_id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(key > tuple_(*after))
    keys: list[tuple[int, int]] = [(unit_id, employee_id or 0) for unit_id, employee_id in db.session.execute(query)]
    if not keys:
        return []
    employee_ids = sorted({employee_id for _unit, employee_id in keys})
    figures: dict[tuple[int, int], dict[str, Figure]] = {}
    for row in db.session.scalars(
        select(ScoreIndicator).where(
            ScoreIndicator.run_id.in_(run_ids),
            ScoreIndicator.employee_id.in_(employee_ids),
            ScoreIndicator.code.in_(EXPORT_CODES),
        )
    ):
        raw = row.explanation.get("raw") if isinstance(row.explanation, dict) else None
        figures.setdefault((unit_of_run[row.run_id], row.employee_id or 0), {})[row.code] = Figure(
            row.id, row.status, row.value, raw if isinstance(raw, str) else None, row.n
        )
    employees = {e.id: e for e in db.session.scalars(select(Employee).where(Employee.id.in_(employee_ids)))}
    period_id = next(iter(runs.values())).period_id
    appraisals = {
        a.employee_id: a
        for a in db.session.scalars(
            select(Appraisal).where(
                Appraisal.employee_id.in_(employee_ids),
                Appraisal.period_id == period_id,
                Appraisal.status == "confirmed",
            )
        )
    }
    return [
        IndicatorRecord(
            runs[unit_id].unit,
            runs[unit_id],
            employees[employee_id],
            figures.get((unit_id, employee_id), {}),
            appraisals.get(employee_id),
        )
        for unit_id, employee_id in keys
    ]


def all_records(runs: dict[int, ScoreRun] | Callable[[], dict[int, ScoreRun]]) -> Iterator[IndicatorRecord]:
    """Every record of the runs, read a page at a time (memory flat in the number of employees)."""
    if callable(runs):
        runs = runs()
    after = None
    while True:
        page = indicator_page(runs, after, PAGE_MAX)
        yield from page
        if len(page) < PAGE_MAX:
            return
        after = page[-1].key


def employees_scored(runs: dict[int, ScoreRun]) -> int:
    if not runs:
        return 0
    return (
        db.session.scalar(
            select(func.count(func.distinct(ScoreIndicator.employee_id))).where(
                ScoreIndicator.run_id.in_([run.id for run in runs.values()])
            )
        )
        or 0
    )


def _columns() -> tuple[Column, ...]:
    columns = [
        Column("Unit", width=28),
        Column("Kode unit", width=16),
        Column("Periode", width=10),
        Column("NIP", "nip", 20),
        Column("Nama", width=28),
        Column("Jenis kepegawaian", width=12),
    ]
    for code in EXPORT_CODES:
        columns.append(Column(code, "decimal", 12))
        if code in ("ikp", "ikm"):
            columns += [Column(f"{code}_mentah", "decimal", 12), Column(f"{code}_n", "int", 8)]
    columns.append(Column("Status IKP", width=18))
    columns += [
        Column("Rating hasil kerja", width=22),
        Column("Rating perilaku kerja", width=22),
        Column("Predikat", width=18),
        Column("Dikonfirmasi", "date", 12),
        Column("Perhitungan", "int", 11),
    ]
    return tuple(columns)


def record_row(record: IndicatorRecord) -> list[object]:
    """One record as a row of :func:`indicator_sheets`' first sheet."""
    employee, figures = record.employee, record.figures
    row: list[object] = [
        record.unit.name,
        record.unit.slug,
        record.run.period_id,
        employee.nip,
        employee.name,
        employee.employment_type,
    ]
    for code in EXPORT_CODES:
        figure = figures.get(code)
        row.append(figure.shown if figure else None)
        if code in ("ikp", "ikm"):
            raw = Decimal(figure.raw) if figure and figure.raw and figure.status == "ok" else None
            row += [raw, figure.n if figure else None]
    ikp = figures.get("ikp")
    row.append(STATUS_TEXT.get(ikp.status, ikp.status) if ikp else STATUS_TEXT["not_available"])
    appraisal = record.appraisal
    confirmed = (
        appraisal.confirmed_at.astimezone(record.unit.zone).date() if appraisal and appraisal.confirmed_at else None
    )
    row += [
        RATING_TEXT.get(appraisal.confirmed_hasil or "") if appraisal else None,
        RATING_TEXT.get(appraisal.confirmed_perilaku or "") if appraisal else None,
        PREDIKAT_TEXT.get(appraisal.predikat or "") if appraisal else None,
        confirmed,
        record.run.id,
    ]
    return row


def _explanation_rows(runs: dict[int, ScoreRun] | Callable[[], dict[int, ScoreRun]]) -> Iterator[list[object]]:
    if callable(runs):
        runs = runs()
    for code in EXPORT_CODES:
        yield ["indikator", code, "", str(INDICATOR_TITLES[code]), str(INDICATOR_NOTES[code])]
    yield ["indikator", "*_mentah", "", "nilai mentah", "Nilai sebelum disesuaikan ke nilai unit."]
    yield ["indikator", "*_n", "", "n", "Jumlah respons sah yang dihitung."]
    for run in sorted(runs.values(), key=lambda r: (r.unit.name, r.id)):
        yield [
            "perhitungan",
            f"#{run.id}",
            run.unit.slug,
            run.created_at.date().isoformat(),
            f"versi kode {run.code_version}",
        ]
        for key in sorted(run.parameters or {}):
            yield ["parameter", key, run.unit.slug, str(run.parameters[key]), ""]


def indicator_sheets(runs: dict[int, ScoreRun]) -> list[Sheet]:
    """The indicators sheet (one row per employee) and the sheet of explanations and parameters."""
    explanation_columns = (
        Column("Jenis", width=12),
        Column("Kode", width=26),
        Column("Unit", width=16),
        Column("Nilai", width=30),
        Column("Keterangan", width=80),
    )
    run_ids = {unit_id: run.id for unit_id, run in runs.items()}
    return [
        Sheet("Indikator", _columns(), (record_row(record) for record in all_records(lambda: _reloaded(run_ids)))),
        Sheet("Penjelasan dan parameter", explanation_columns, _explanation_rows(lambda: _reloaded(run_ids))),
        *evidence_sheets(runs),
    ]


def evidence_sheets(runs: dict[int, ScoreRun]) -> list[Sheet]:
    """The fairness evidence beside the indicators: each run's bias audit (issue 15) and the colleagues' 360°
    distribution per employee (issue 16, distribution only). Rows are read when the sheet is written, from run
    ids, like the indicator rows (a streamed response outlives its view's session)."""
    run_ids = {unit_id: run.id for unit_id, run in runs.items()}
    periods = sorted({run.period_id for run in runs.values()})

    def ordered() -> list[ScoreRun]:
        return sorted(_reloaded(run_ids).values(), key=lambda run: run.unit.slug)

    def bias_rows() -> Iterator[list[object]]:
        for run in ordered():
            yield from ([run.unit.slug, *row] for row in bias_audit_rows(run)[1])

    def peer_rows() -> Iterator[list[object]]:
        if len(periods) == 1:
            yield from peer_feedback_rows(periods[0], [run.unit for run in ordered()])[1]

    peer_headers = peer_feedback_rows(periods[0] if periods else "", [])[0]
    return [
        Sheet("Audit bias", tuple(Column(header, width=16) for header in ("unit", *BIAS_AUDIT_HEADERS)), bias_rows()),
        Sheet("Umpan balik rekan", tuple(Column(header, width=12) for header in peer_headers), peer_rows()),
    ]


def _reloaded(run_ids: dict[int, int]) -> dict[int, ScoreRun]:
    """The runs again, in whatever session reads the rows: a streamed response reads them after its view's
    session has ended, so rows are generated from ids, never from objects of the view."""
    rows = db.session.scalars(select(ScoreRun).where(ScoreRun.id.in_(sorted(run_ids.values()))))
    return {run.unit_id: run for run in rows}


def record_data(record: IndicatorRecord, link: Any = None) -> dict[str, Any]:
    """A record as the API returns it (``IndicatorRecordSchema``)."""
    appraisal = record.appraisal
    return {
        "unit": record.unit.slug,
        "period": record.run.period_id,
        "run_id": record.run.id,
        "nip": record.employee.nip,
        "name": record.employee.name,
        "employment_type": record.employee.employment_type,
        "indicators": {
            code: {
                "status": figure.status,
                "value": None if figure.shown is None else format(figure.shown.quantize(CENT, ROUND_HALF_UP), "f"),
                "raw": figure.raw if figure.status == "ok" else None,
                "n": figure.n,
                "explanation_url": link(figure.indicator_id) if link else None,
            }
            for code, figure in sorted(record.figures.items())
        },
        "appraisal": None
        if appraisal is None
        else {
            "rating_hasil_kerja": RATING_TEXT.get(appraisal.confirmed_hasil or ""),
            "rating_perilaku_kerja": RATING_TEXT.get(appraisal.confirmed_perilaku or ""),
            "predikat": PREDIKAT_TEXT.get(appraisal.predikat or ""),
            "confirmed_at": appraisal.confirmed_at,
        },
    }
