"""Server-drawn SVG charts: valid markup, a text alternative, the numbers as a table, gaps for missing values."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from feedback_app.services.charts import Series, bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_a_trend_is_well_formed_svg_with_title_description_and_a_gap_where_data_is_missing():
    chart = line_chart(
        "IKP <saya>",
        ["2026-07", "2026-08", "2026-09", "2026-10"],
        [Series("Saya", [Decimal("80.5"), None, Decimal("82"), Decimal("90")]), Series("Unit", [70, 71, 72, 73])],
        chart_id="tren",
        missing="tidak tersedia",
    )
    root = ET.fromstring(str(chart.svg))
    assert root.get("role") == "img" and root.get("aria-labelledby") == "tren-t tren-d"
    assert root.find(f"{SVG}title").text == "IKP <saya>"
    assert root.find(f"{SVG}desc").text == chart.text_alternative
    assert chart.text_alternative == (
        "IKP <saya>. Saya: 2026-07 80.50, 2026-08 tidak tersedia, 2026-09 82.00, 2026-10 90.00; "
        "Unit: 2026-07 70, 2026-08 71, 2026-09 72, 2026-10 73."
    )
    lines = root.findall(f"{SVG}polyline")
    # Mine breaks at the missing August (one segment: September–October); the unit's is one line of four points.
    assert sorted(len(line.get("points").split()) for line in lines) == [2, 4]
    assert chart.headers == ("", "Saya", "Unit")
    assert chart.rows[1] == ("2026-08", "tidak tersedia", "71")


def test_bars_scale_to_the_axis_and_series_differ_by_more_than_colour():
    chart = bar_chart(
        "NRR", ["U3", "U6"], [Series("Saya", [4, 1]), Series("Unit", [Decimal("2.5"), None])], chart_id="b"
    )
    root = ET.fromstring(str(chart.svg))
    bars = [rect for rect in root.findall(f"{SVG}rect") if rect.get("stroke")]
    heights = [float(bar.get("height")) for bar in bars]
    assert heights[0] > heights[1] > heights[2] == 0  # U3: 4 (full) and 2.5; U6: 1 (the floor); no bar for None
    assert len(bars) == 3 and bars[0].get("fill") != bars[1].get(
        "fill"
    )  # solid beside hollow, readable when printed in grey


def test_a_chart_refuses_values_that_do_not_match_its_labels():
    with pytest.raises(ValueError, match="2 values for 3 labels"):
        line_chart("x", ["a", "b", "c"], [Series("s", [1, 2])], chart_id="x")
    with pytest.raises(ValueError, match="y_max"):
        bar_chart("x", ["a"], [Series("s", [1])], chart_id="x", y_min=4, y_max=1)
