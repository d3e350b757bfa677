"""Charts drawn on the server as SVG strings, each with a text alternative and the numbers as a table.

Small and dependency-free on purpose: the pages need two shapes (a trend line over a few periods and grouped bars of
a few unsur), which are some forty lines of SVG each. pygal would bring a rendering engine, its own CSS and
JavaScript hooks (tooltips) that pages without JavaScript must then switch off, for no gain at this size. The SVG
is static markup: it prints (black-and-white safe: series differ by dash and marker, not by colour alone), scales
to a 360 px phone through its ``viewBox`` and carries ``role="img"`` with a ``<title>`` and ``<desc>``; the caller
shows :attr:`Chart.headers` and :attr:`Chart.rows` as a table beside it, so no number lives only in the picture.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 420, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 48
#: Per series: stroke colour, dash pattern, marker (colour is never the only difference).
STYLES = (("#0b4a85", "", "circle"), ("#a4001d", "6 4", "square"), ("#2e6b2e", "2 3", "diamond"))

Number = Decimal | int | float | None


@dataclass(frozen=True)
class Series:
    """One named line or set of bars; ``None`` is a value that is missing (not drawn, said in the text)."""

    name: str
    values: Sequence[Number]


@dataclass(frozen=True)
class Chart:
    """An SVG chart with everything a reader without the picture needs."""

    svg: Markup
    title: str
    text_alternative: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _format(value: Number, missing: str) -> str:
    if value is None:
        return missing
    if isinstance(value, float):
        value = Decimal(str(round(value, 2)))
    return f"{Decimal(value).quantize(Decimal('0.01'))}" if isinstance(value, Decimal) else str(value)


def _table(
    labels: Sequence[str], series: Sequence[Series], label_header: str, missing: str
) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    headers = (label_header, *(s.name for s in series))
    rows = tuple((label, *(_format(s.values[i], missing) for s in series)) for i, label in enumerate(labels))
    return headers, rows


def _describe(title: str, labels: Sequence[str], series: Sequence[Series], missing: str) -> str:
    parts = []
    for s in series:
        values = zip(labels, s.values, strict=True)
        parts.append(f"{s.name}: " + ", ".join(f"{label} {_format(value, missing)}" for label, value in values))
    return f"{title}. " + "; ".join(parts) + "."


def _check(labels: Sequence[str], series: Sequence[Series], y_min: float, y_max: float) -> None:
    if not labels or not series:
        raise ValueError("a chart needs at least one label and one series")
    if len(series) > len(STYLES):
        raise ValueError(f"at most {len(STYLES)} series fit one chart")
    for s in series:
        if len(s.values) != len(labels):
            raise ValueError(f"series {s.name!r} has {len(s.values)} values for {len(labels)} labels")
    if y_max <= y_min:
        raise ValueError("y_max must be above y_min")


def _frame(
    chart_id: str, title: str, description: str, y_min: float, y_max: float, ticks: int
) -> tuple[list[str], Callable[[float], float]]:
    plot_h = HEIGHT - TOP - BOTTOM
    cid = escape(chart_id)

    def y_of(value: float) -> float:
        clamped = min(max(value, y_min), y_max)
        return TOP + plot_h * (1 - (clamped - y_min) / (y_max - y_min))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-labelledby="{cid}-t {cid}-d" class="chart" font-family="sans-serif" font-size="14">',
        f'<title id="{cid}-t">{escape(title)}</title><desc id="{cid}-d">{escape(description)}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>',
    ]
    for i in range(ticks + 1):
        value = y_min + (y_max - y_min) * i / ticks
        y = y_of(value)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#c5ccd3" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#1a1a1a">{value:g}</text>'
        )
    return parts, y_of


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    if kind == "diamond":
        return f'<path d="M{x:.1f} {y - 5:.1f}l5 5-5 5-5-5z" fill="{colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>'


def _legend(series: Sequence[Series]) -> list[str]:
    parts = []
    x = LEFT
    for s, (colour, dash, marker) in zip(series, STYLES, strict=False):
        y = HEIGHT - 12
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<line x1="{x}" y1="{y - 4}" x2="{x + 24}" y2="{y - 4}" stroke="{colour}" stroke-width="2"{dash_attr}/>'
            + _marker(marker, x + 12, y - 4, colour)
            + f'<text x="{x + 30}" y="{y}" fill="#1a1a1a">{escape(s.name)}</text>'
        )
        x += 30 + 8 * len(s.name) + 16
    return parts


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    chart_id: str,
    y_min: float = 0,
    y_max: float = 100,
    label_header: str = "",
    missing: str = "–",
) -> Chart:
    """A trend: one line per series over ``labels`` (periods), gaps where a value is missing.

    >>> chart = line_chart("IKP", ["2026-07", "2026-08"], [Series("Saya", [Decimal("80"), None])], chart_id="t")
    >>> chart.text_alternative
    'IKP. Saya: 2026-07 80.00, 2026-08 –.'
    >>> chart.rows
    (('2026-07', '80.00'), ('2026-08', '–'))
    """
    _check(labels, series, y_min, y_max)
    description = _describe(title, labels, series, missing)
    parts, y_of = _frame(chart_id, title, description, y_min, y_max, 4)
    plot_w = WIDTH - LEFT - RIGHT
    step = plot_w / max(len(labels), 1)

    def x_of(i: int) -> float:
        return LEFT + step * (i + 0.5)

    for i, label in enumerate(labels):
        parts.append(
            f'<text x="{x_of(i):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" fill="#1a1a1a">'
            f"{escape(label)}</text>"
        )
    for s, (colour, dash, marker) in zip(series, STYLES, strict=False):
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        run: list[str] = []
        points: list[str] = []
        for i, value in enumerate(s.values):
            if value is None:
                if len(run) > 1:
                    points.append(" ".join(run))
                run = []
                continue
            y = y_of(float(value))
            run.append(f"{x_of(i):.1f},{y:.1f}")
            parts.append(_marker(marker, x_of(i), y, colour))
        if len(run) > 1:
            points.append(" ".join(run))
        for line in points:
            parts.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"{dash_attr}/>')
    parts += _legend(series)
    parts.append("</svg>")
    headers, rows = _table(labels, series, label_header, missing)
    svg = "".join(parts)
    return Chart(Markup(svg), title, description, headers, rows)  # noqa: S704  (built here from escaped parts)


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    chart_id: str,
    y_min: float = 1,
    y_max: float = 4,
    label_header: str = "",
    missing: str = "–",
) -> Chart:
    """Grouped bars: for each label one bar per series (e.g. an unsur: mine beside the unit's average).

    >>> chart = bar_chart("NRR", ["U3"], [Series("Saya", [3]), Series("Unit", [Decimal("3.25")])], chart_id="b")
    >>> chart.headers, chart.rows
    (('', 'Saya', 'Unit'), (('U3', '3', '3.25'),))
    >>> "<title id=\\"b-t\\">NRR</title>" in chart.svg
    True
    """
    _check(labels, series, y_min, y_max)
    description = _describe(title, labels, series, missing)
    parts, y_of = _frame(chart_id, title, description, y_min, y_max, 3)
    plot_w = WIDTH - LEFT - RIGHT
    group = plot_w / len(labels)
    bar = group * 0.7 / len(series)
    base = y_of(y_min)
    for i, label in enumerate(labels):
        x0 = LEFT + group * i + group * 0.15
        parts.append(
            f'<text x="{LEFT + group * (i + 0.5):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
            f'fill="#1a1a1a">{escape(label)}</text>'
        )
        for j, (s, (colour, dash, _marker_kind)) in enumerate(zip(series, STYLES, strict=False)):
            value = s.values[i]
            if value is None:
                continue
            y = y_of(float(value))
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            fill = colour if j == 0 else "#fff"  # hollow bars for the comparison series: readable in grey print
            parts.append(
                f'<rect x="{x0 + bar * j:.1f}" y="{y:.1f}" width="{bar - 2:.1f}" height="{base - y:.1f}" '
                f'fill="{fill}" stroke="{colour}" stroke-width="2"{dash_attr}/>'
            )
    parts += _legend(series)
    parts.append("</svg>")
    headers, rows = _table(labels, series, label_header, missing)
    svg = "".join(parts)
    return Chart(Markup(svg), title, description, headers, rows)  # noqa: S704
