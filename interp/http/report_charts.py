"""The reports page's charts, drawn on the server as inline SVG: no script, no library.

Each chart is a picture with an accessible name (``role="img"``); the page puts a table
of the same figures beside it for screen readers. Colours come from the stylesheet's
``--chart-*`` properties, so the high-contrast theme recolours them, and every series
also has its own pattern, so colour is never the only cue. Bars grow from the start
side of the line: from the right in right-to-left languages.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 320
LABEL_HEIGHT = 20
BAR_HEIGHT = 16
ROW_GAP = 10
ROW_HEIGHT = LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP

# Series in the order they are stacked, each with its pattern (a stylesheet class).
PATTERNS = {
    "solid": "",
    "hatch": '<path class="chart-mark" d="M-1,1 l2,-2 M0,6 l6,-6 M5,7 l2,-2"/>',
    "dots": '<circle class="chart-mark" cx="3" cy="3" r="1.2"/>',
    "cross": '<path class="chart-mark" d="M0,0 L6,6 M6,0 L0,6"/>',
    "lines": '<path class="chart-mark" d="M0,3 H6"/>',
}


@dataclass(frozen=True)
class Series:
    key: str  # names the colour (chart-<key>) and the pattern's id
    label: str
    pattern: str  # a key of PATTERNS


@dataclass(frozen=True)
class Bar:
    """One line of a chart: its label, and a value for each series."""

    label: str
    values: tuple[float, ...]


def pattern_defs(chart_id: str, series: tuple[Series, ...]) -> str:
    parts = []
    for one in series:
        parts.append(
            f'<pattern id="{chart_id}-{one.key}" patternUnits="userSpaceOnUse" width="6" '
            f'height="6"><rect class="chart-{one.key}" width="6" height="6"/>'
            f"{PATTERNS[one.pattern]}</pattern>"
        )
    return "<defs>" + "".join(parts) + "</defs>"


def swatch(chart_id: str, one: Series) -> Markup:
    """The series' colour and pattern, for the legend beside its name (hidden from
    screen readers, which read the name)."""
    return Markup(
        '<svg class="chart-swatch" viewBox="0 0 18 18" width="18" height="18" '
        f'aria-hidden="true" focusable="false">{pattern_defs(chart_id + "-key", (one,))}'
        f'<rect class="chart-edge" x="0.5" y="0.5" width="17" height="17" '
        f'fill="url(#{chart_id}-key-{one.key})"/></svg>'
    )


def bar_chart(
    chart_id: str,
    title: str,
    series: tuple[Series, ...],
    bars: list[Bar],
    *,
    stacked: bool,
    rtl: bool,
) -> Markup:
    """Horizontal bars, one line per ``Bar``: the series side by side in one bar
    (``stacked``) or as thinner bars one under the other."""
    scale_max = max(
        (sum(bar.values) if stacked else max(bar.values, default=0.0) for bar in bars),
        default=0.0,
    )
    height = max(len(bars) * ROW_HEIGHT, ROW_HEIGHT)
    body: list[str] = []
    for row, bar in enumerate(bars):
        top = row * ROW_HEIGHT
        label_x = WIDTH if rtl else 0
        body.append(
            f'<text class="chart-label" x="{label_x}" y="{top + LABEL_HEIGHT - 6}">'
            f"{escape(bar.label)}</text>"
        )
        offset = 0.0
        thickness = BAR_HEIGHT if stacked else BAR_HEIGHT / len(series)
        for index, (one, value) in enumerate(zip(series, bar.values, strict=True)):
            length = WIDTH * value / scale_max if scale_max else 0.0
            if length <= 0:
                continue
            start = offset if stacked else 0.0
            x = WIDTH - start - length if rtl else start
            y = top + LABEL_HEIGHT + (0 if stacked else index * thickness)
            body.append(
                f'<rect class="chart-edge" x="{x:.2f}" y="{y:.2f}" width="{length:.2f}" '
                f'height="{thickness:.2f}" fill="url(#{chart_id}-{one.key})"/>'
            )
            if stacked:
                offset += length
    return Markup(
        f'<svg class="chart" id="{chart_id}" role="img" aria-labelledby="{chart_id}-title" '
        f'viewBox="0 0 {WIDTH} {height}" preserveAspectRatio="xMinYMin meet">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f"{pattern_defs(chart_id, series)}{''.join(body)}</svg>"
    )
