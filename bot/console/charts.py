"""Geometry of the dashboard's charts, drawn by the templates as inline SVG.

No JavaScript and no inline styles (the console's Content-Security-Policy forbids
both): the numbers here become ``<rect>`` and ``<text>`` presentation attributes. Each
chart comes with a table of the same numbers for screen readers and for reading exact
values. Flask-free and pure, so the arithmetic is tested on its own.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.console.dashboard import Dashboard

# Column chart (conversations per day): the drawing's own units; the SVG scales to its
# card (about 1,050 px wide on a laptop), so that its text keeps its size there.
COLUMN_WIDTH = 1040
COLUMN_HEIGHT = 220
_LEFT, _RIGHT, _TOP, _BOTTOM = 44, 8, 12, 28
# At most this many date labels under the columns: more would overlap.
MAX_X_LABELS = 8

# Horizontal bars: the funnel (a wide card) and the topics (half a card).
ROW_WIDTH = 720
NARROW_ROW_WIDTH = 520
ROW_HEIGHT = 30
BAR_HEIGHT = 20
LABEL_WIDTH = 190
NARROW_LABEL_WIDTH = 150
VALUE_WIDTH = 130
LABEL_CHARS = 26
NARROW_LABEL_CHARS = 20


@dataclass(frozen=True)
class Column:
    """One column: its box and what it stands for (the SVG ``<title>``)."""

    x: float
    y: float
    width: float
    height: float
    title: str


@dataclass(frozen=True)
class Tick:
    """An axis label at ``position`` (y for the value axis, x for the date axis)."""

    position: float
    label: str


@dataclass(frozen=True)
class ColumnChart:
    """A column chart: columns, value axis ticks and a few category labels."""

    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    columns: list[Column]
    y_ticks: list[Tick]
    x_labels: list[Tick]


def nice_ceiling(value: float) -> int:
    """The smallest 1, 2 or 5 times a power of ten that is at least ``value`` (min. 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for factor in (1, 2, 5, 10):
        if factor * power >= value:
            return int(factor * power)
    return int(10 * power)  # pragma: no cover - the loop always returns


def column_chart(
    values: Sequence[int], labels: Sequence[str], titles: Sequence[str]
) -> ColumnChart:
    """Columns for ``values``; ``labels`` name the categories under the axis (a few are
    shown), ``titles`` describe each column in full."""
    top_value = nice_ceiling(max(values, default=0))
    plot_left, plot_right = _LEFT, COLUMN_WIDTH - _RIGHT
    plot_top, plot_bottom = _TOP, COLUMN_HEIGHT - _BOTTOM
    plot_height = plot_bottom - plot_top
    slot = (plot_right - plot_left) / max(len(values), 1)
    # A gap between columns while there is room for one; a year of days has none.
    width = slot * 0.8 if slot >= 4 else slot
    columns = []
    for index, (value, title) in enumerate(zip(values, titles, strict=True)):
        height = plot_height * value / top_value
        columns.append(
            Column(
                x=round(plot_left + index * slot + (slot - width) / 2, 2),
                y=round(plot_bottom - height, 2),
                width=round(width, 2),
                height=round(height, 2),
                title=title,
            )
        )
    # Ticks at 0, half and the top: round numbers, since the top is 1, 2 or 5 x 10^n.
    tick_values = [0, top_value] if top_value < 2 else [0, top_value // 2, top_value]
    y_ticks = [
        Tick(round(plot_bottom - plot_height * v / top_value, 2), f"{v:,}") for v in tick_values
    ]
    step = max(1, math.ceil(len(labels) / MAX_X_LABELS))
    x_labels = [
        Tick(round(plot_left + index * slot + slot / 2, 2), labels[index])
        for index in range(0, len(labels), step)
    ]
    return ColumnChart(
        width=COLUMN_WIDTH,
        height=COLUMN_HEIGHT,
        left=plot_left,
        right=plot_right,
        top=plot_top,
        bottom=plot_bottom,
        columns=columns,
        y_ticks=y_ticks,
        x_labels=x_labels,
    )


@dataclass(frozen=True)
class Row:
    """One horizontal bar: its label, its length and the value written after it."""

    y: float
    label: str
    bar_width: float
    value_text: str
    value_x: float  # where the value text starts, just after the bar

    @property
    def bar_y(self) -> float:
        """Top of the bar inside the row."""
        return self.y + (ROW_HEIGHT - BAR_HEIGHT) / 2

    @property
    def text_y(self) -> float:
        """Baseline of the row's texts (vertically centred)."""
        return self.y + ROW_HEIGHT / 2 + 5


@dataclass(frozen=True)
class RowChart:
    """Horizontal bars, one per row, longest value = full width."""

    width: int
    height: int
    label_x: float  # labels end here (text-anchor end)
    bar_x: float
    rows: list[Row]


def short_label(text: str, limit: int = LABEL_CHARS) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (the table has it whole)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def row_chart(
    items: Sequence[tuple[str, int, str]], scale_to: int | None = None, *, narrow: bool = False
) -> RowChart:
    """Bars for ``(label, value, value_text)`` items; ``scale_to`` is the value of a full
    bar (default: the largest value); ``narrow`` for half a card."""
    width, label_width, chars = (
        (NARROW_ROW_WIDTH, NARROW_LABEL_WIDTH, NARROW_LABEL_CHARS)
        if narrow
        else (ROW_WIDTH, LABEL_WIDTH, LABEL_CHARS)
    )
    full = scale_to if scale_to else max((value for _, value, _ in items), default=0)
    room = width - label_width - VALUE_WIDTH
    rows = []
    for index, (label, value, value_text) in enumerate(items):
        bar = room * value / full if full else 0.0
        # A value above zero stays visible however small its share.
        if value > 0:
            bar = max(bar, 2.0)
        bar = round(bar, 2)
        rows.append(
            Row(
                y=index * ROW_HEIGHT,
                label=short_label(label, chars),
                bar_width=bar,
                value_text=value_text,
                value_x=label_width + bar + 6,
            )
        )
    return RowChart(
        width=width,
        height=max(len(items), 1) * ROW_HEIGHT,
        label_x=label_width - 8,
        bar_x=label_width,
        rows=rows,
    )


@dataclass(frozen=True)
class DashboardCharts:
    """The dashboard's three charts."""

    per_day: ColumnChart
    funnel: RowChart
    topics: RowChart


def _day(day: date) -> str:
    return f"{day.day} {day:%b}"


def bucket_title(first: date, last: date, count: int, bucket: str) -> str:
    """What one column stands for, in words (its SVG ``<title>``)."""
    noun = "conversation" if count == 1 else "conversations"
    if bucket == "day":
        return f"{first:%a} {_day(first)} {first.year}: {count:,} {noun}"
    return f"Week of {_day(first)} {first.year} (to {_day(last)}): {count:,} {noun}"


def dashboard_charts(data: Dashboard) -> DashboardCharts:
    """The charts of ``data`` (see ``bot.console.dashboard``)."""
    buckets = data.buckets
    per_day = column_chart(
        [b.count for b in buckets],
        [_day(b.first) for b in buckets],
        [bucket_title(b.first, b.last, b.count, data.bucket) for b in buckets],
    )
    # The funnel's bars are shares of all conversations: the first step is the full bar.
    funnel = row_chart(
        [(s.label, s.count, f"{s.count:,} · {s.percent:.1f} %") for s in data.funnel],
        scale_to=data.funnel[0].count,
    )
    topics = row_chart(
        [(t.topic, t.count, f"{t.count:,} · {t.percent:.1f} %") for t in data.topics], narrow=True
    )
    return DashboardCharts(per_day=per_day, funnel=funnel, topics=topics)
