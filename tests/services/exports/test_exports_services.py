"""The export services below the views: final runs only, the comment threshold, streaming, the XLSX limit."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from feedback_app.extensions import db
from feedback_app.services.exports import ekinerja, indicators, raw_responses
from feedback_app.services.score_runs import compute_score_run
from feedback_app.services.tabular import Column, Sheet, TooManyRows, csv_chunks, write_xlsx
from scoring import parse_period
from tests.export_world import PERIOD, export_office


@pytest.fixture
def world(app, build, clock):
    return export_office(build)


def test_only_the_latest_final_run_is_exported(world, clock):
    first = world.final_run
    newer = compute_score_run(world.unit, parse_period(PERIOD), "test")
    db.session.commit()
    runs = indicators.final_runs([world.unit.id], PERIOD)
    assert runs[world.unit.id].id == newer.id != first.id  # the superseded run is not exported
    provisional = compute_score_run(world.unit, parse_period("2026-10"), "test")  # October has not ended
    db.session.commit()
    assert provisional.provisional and indicators.final_runs([world.unit.id], "2026-10") == {}


def test_pages_follow_each_other_without_gaps_or_repeats(world):
    runs = indicators.final_runs([world.unit.id], PERIOD)
    everything = [record.key for record in indicators.indicator_page(runs, None, 100)]
    first = indicators.indicator_page(runs, None, 3)
    rest = indicators.indicator_page(runs, first[-1].key, 3)
    assert [r.key for r in first + rest] == everything and len(everything) == 4
    assert [r.key for r in indicators.all_records(runs)] == everything


def test_comments_show_from_the_fifth_answer(world):
    export = raw_responses.RawExport(parse_period(PERIOD), [world.unit.id])
    withheld = [row[-1] for row in raw_responses.raw_rows(export) if row[5] == "Budi" and row[-1]]
    assert withheld == [raw_responses.WITHHELD] * 3  # 3 answers
    world.answers(1, world.budi, day=5)
    assert {row[-1] for row in raw_responses.raw_rows(export) if row[5] == "Budi" and row[-1]} == {
        raw_responses.WITHHELD
    }
    world.answers(1, world.budi, day=5)  # the fifth valid answer
    shown = [row[-1] for row in raw_responses.raw_rows(export) if row[5] == "Budi" and row[-1]]
    assert shown == ["Budi cepat sekali"] * 3
    assert raw_responses.count_rows(export) == 47


def test_the_raw_rows_are_a_generator_read_in_batches(world, monkeypatch):
    monkeypatch.setattr(raw_responses, "BATCH", 7)
    rows = raw_responses.raw_rows(raw_responses.RawExport(parse_period(PERIOD), [world.unit.id]))
    assert not isinstance(rows, list)
    assert sum(1 for _ in rows) == 45


def test_non_asn_staff_have_no_skp(world):
    with pytest.raises(ekinerja.NoSkp):
        ekinerja.evidence_of(world.budi, parse_period(PERIOD))
    assert ekinerja.with_unit(Decimal("300.0000"), "berkas") == "300 berkas"


def test_a_workbook_past_excels_row_limit_is_refused(monkeypatch):
    monkeypatch.setattr("feedback_app.services.tabular.XLSX_MAX_ROWS", 3)
    sheet = Sheet("t", (Column("NIP", "nip"),), (("198503152010011002",) for _ in range(5)))
    with pytest.raises(TooManyRows):
        write_xlsx([sheet], io.BytesIO())


def test_a_workbook_keeps_nip_text_number_formats_and_a_frozen_header():
    out = io.BytesIO()
    columns = (Column("NIP", "nip", 20), Column("ikp", "decimal", 9), Column("n", "int"))
    write_xlsx([Sheet("Indikator", columns, [("018503152010011002", Decimal("88.3050"), 40)])], out)
    sheet = load_workbook(io.BytesIO(out.getvalue()))["Indikator"]
    nip, ikp, n = sheet[2]
    assert (nip.value, nip.number_format) == ("018503152010011002", "@")  # a leading zero survives
    assert (ikp.value, ikp.number_format, n.value) == (88.305, "0.00", 40)
    assert sheet.freeze_panes == "A2" and sheet.column_dimensions["A"].width == 20 and sheet["A1"].font.bold
    text = "".join(csv_chunks(Sheet("t", columns, [("018503152010011002", Decimal("88.3050"), 40)])))
    assert text == "\ufeffNIP,ikp,n\r\n018503152010011002,88.31,40\r\n"  # half up, as the pages print
