"""Bar charts drawn on the server as SVG, from the numbers a report's table shows.

Nothing is loaded from elsewhere and no script runs: the geometry is worked out here and
`templates/admin/reports/_chart.html` writes it out. A chart must read without colour:
each series has its own fill pattern (solid, hatched, dotted) named in a legend, every bar
carries its value as text, a target is a dashed line with its own label, and the whole
chart has a text alternative (a sentence per group) beside the table it is drawn from.
Colours and patterns are SVG presentation attributes and classes (static/portal.css): the
content security policy forbids inline styles.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

# Layout, in SVG user units (the chart scales to the width of the page).
LABEL_WIDTH = 230
PLOT_WIDTH = 380
VALUE_WIDTH = 190
BAR_HEIGHT = 16
BAR_GAP = 3
GROUP_GAP = 12
TOP = 8
LEGEND_ROW = 22
# Legend entries: a swatch, then the name (about this wide per character at 12px).
LEGEND_GAP = 40
LEGEND_CHAR = 7
# Fills by series: a pattern each, so the series differ in shape, not only in colour.
PATTERNS = ("solid", "hatched", "dotted")


def _number(value: float, unit: str) -> str:
    text = f"{value:.1f}".removesuffix(".0") if unit == "%" else f"{value:,.0f}"
    return f"{text}{unit}"


@dataclass(frozen=True, slots=True)
class Bar:
    series: int
    pattern: str
    y: float
    width: float
    value_x: float
    text: str


@dataclass(frozen=True, slots=True)
class Target:
    x: float
    top: float
    bottom: float
    text: str


@dataclass(frozen=True, slots=True)
class Group:
    label: str
    label_y: float
    bars: tuple[Bar, ...]
    target: Target | None
    summary: str


@dataclass(frozen=True, slots=True)
class LegendEntry:
    name: str
    pattern: str
    x: float


@dataclass(frozen=True, slots=True)
class Chart:
    id: str
    title: str
    unit: str
    groups: tuple[Group, ...]
    legend: tuple[LegendEntry, ...]
    legend_y: float
    width: float
    height: float
    plot_left: float = LABEL_WIDTH
    plot_width: float = PLOT_WIDTH
    bar_height: float = BAR_HEIGHT
    axis: tuple[tuple[float, str], ...] = field(default_factory=tuple)
    axis_y: float = 0

    @property
    def description(self) -> str:
        """The chart in words: what a screen reader reads, and what a printout keeps."""
        return " ".join(group.summary for group in self.groups)


def bar_chart(
    chart_id: str,
    title: str,
    series: Sequence[str],
    groups: Sequence[tuple[str, Sequence[float | None]]],
    *,
    unit: str = "",
    targets: Sequence[float | None] | None = None,
    target_name: str = "target",
    empty: str = "none",
) -> Chart:
    """Horizontal bars: one group per label, one bar per series in it.

    groups: (label, values by series); a value of None draws no bar and says `empty`.
    unit: "%" puts the scale at 0-100; otherwise the scale runs to the largest value.
    targets: per group, where a dashed target line goes (same unit), or None; its value is
    also written beside the group's last bar.
    """
    chart_id = re.sub(r"[^a-z0-9-]", "-", chart_id.lower())
    values = [v for _, vs in groups for v in vs if v is not None]
    values += [t for t in (targets or ()) if t is not None]
    top = 100.0 if unit == "%" else max([*values, 1])
    if unit != "%" and top % 2:
        top += 1  # an even top: the halfway mark is a whole number
    scale = PLOT_WIDTH / top
    y = TOP
    drawn = []
    for index, (label, group_values) in enumerate(groups):
        start = y
        bars = []
        words = []
        goal = targets[index] if targets else None
        target_text = f"{target_name} {_number(goal, unit)}" if goal is not None else ""
        for number, value in enumerate(group_values):
            pattern = PATTERNS[number % len(PATTERNS)]
            width = 0.0 if value is None else max(value, 0) * scale
            text = empty if value is None else _number(value, unit)
            words.append(f"{series[number]} {text}" if len(series) > 1 else text)
            if target_text and number == len(group_values) - 1:
                # The target is read beside the bar it applies to: the last series.
                text = f"{text} ({target_text})"
            bars.append(Bar(number, pattern, y, width, LABEL_WIDTH + width + 4, text))
            y += BAR_HEIGHT + BAR_GAP
        target = None
        if goal is not None:
            target = Target(LABEL_WIDTH + goal * scale, start - 2, y - BAR_GAP + 2, target_text)
            words.append(target_text)
        drawn.append(
            Group(
                label,
                start + (y - BAR_GAP - start) / 2,
                tuple(bars),
                target,
                f"{label}: {', '.join(words)}.",
            )
        )
        y += GROUP_GAP
    axis_y = y
    legend_y = y + 22
    y = legend_y
    legend = []
    if len(series) > 1 or targets:
        x = LABEL_WIDTH
        for number, name in enumerate(series):
            legend.append(LegendEntry(name, PATTERNS[number % len(PATTERNS)], x))
            x += LEGEND_GAP + LEGEND_CHAR * len(name)
        y = legend_y + LEGEND_ROW
    axis = tuple(
        (LABEL_WIDTH + fraction * PLOT_WIDTH, _number(top * fraction, unit))
        for fraction in (0, 0.5, 1)
    )
    return Chart(
        chart_id,
        title,
        unit,
        tuple(drawn),
        tuple(legend),
        legend_y,
        LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH,
        y + 4,
        axis=axis,
        axis_y=axis_y,
    )
