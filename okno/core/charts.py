"""Server-side SVG charts: pure functions that turn plain figures into geometry for a template.

Each builder takes plain data (no database) and returns a frozen dataclass whose numbers are SVG
user units, ready for its partial in `core/templates/core/charts/`:

    {% include "core/charts/line.html" with chart=trend %}

The partials print coordinates under `{% localize off %}` (a decimal point in every language) and
every figure a person reads through `floatformat` (the active language's formatting). Each chart
takes an `id` slug from which the ids of its <title>, <desc> and patterns are derived, so that
several charts on one page never share an id. A chart with nothing to draw says so in words; no
builder divides by zero.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

#: Ids are slugs: they end up in id="…" and url(#…) and must need no escaping.
_SLUG = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")

#: The line chart's frame, in SVG user units; the SVG scales to the width of its container.
#: The plot is 200 units high so that a value's height reads as a percentage of the axis.
LINE_WIDTH = 640
LINE_HEIGHT = 248
LINE_LEFT = 56
LINE_RIGHT = 16
LINE_TOP = 16
LINE_BOTTOM = 32
#: Up to this many points a line also gets a dot on each point; past it dots are clutter.
LINE_DOTS_UP_TO = 31
#: The narrowest room one x label may have before labels are thinned out.
LINE_LABEL_ROOM = 56
#: Series are told apart by colour and by dash pattern (never colour alone): four styles, cycled.
SERIES_STYLES = 4

#: The horizontal bar chart: labels, then bars, then the value in a column of its own.
BAR_WIDTH = 640
BAR_LABEL = 176
BAR_VALUE_ROOM = 112
BAR_TOP = 24
BAR_ROW = 28
BAR_THICKNESS = 18
#: Labels longer than this are cut in the SVG (the full label is in its tooltip and the table).
BAR_LABEL_CHARS = 24

#: The histogram: equal-width columns over a y axis of counts.
HIST_WIDTH = 640
HIST_HEIGHT = 240
HIST_LEFT = 48
HIST_RIGHT = 16
HIST_BOTTOM = 32
#: Marker labels are stacked in up to this many rows above the plot so they do not overlap.
HIST_MARKER_ROWS = 3
HIST_MARKER_ROW = 14
HIST_LABEL_ROOM = 40

#: The heat map: row labels, then a grid of cells, column labels above.
HEAT_WIDTH = 640
HEAT_LEFT = 104
HEAT_RIGHT = 8
HEAT_TOP = 24
HEAT_ROW = 28
HEAT_LABEL_ROOM = 20
#: Below this cell width the value would not fit inside the cell; it stays in the tooltip.
HEAT_TEXT_ROOM = 30
#: Shading classes of the heat map (quantiles of the values that are there).
HEAT_CLASSES = 5


# --- input -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """One line of a line chart: its name (for the legend and the table) and one value per x
    label, None where there is no figure (the line breaks there)."""

    name: str
    values: Sequence[float | None]


@dataclass(frozen=True)
class BarRow:
    """One bar of a bar chart; a value of None draws no bar and says "no figure"."""

    label: str
    value: float | None


@dataclass(frozen=True)
class Bin:
    """One bin of a histogram: values from `low` up to (not including) `high`; `high` None is an
    open-ended last bin ("120+")."""

    low: float
    high: float | None
    count: float


@dataclass(frozen=True)
class Marker:
    """A vertical line on a histogram at a value ("norm 15 min", "median", "90th percentile")."""

    label: str
    value: float


# --- output ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Chart:
    """What every chart has: its id, and the ids inside its SVG derived from it (unique on a
    page as long as the charts' own ids are)."""

    id: str

    @property
    def title_id(self) -> str:
        return f"{self.id}-title"

    @property
    def desc_id(self) -> str:
        return f"{self.id}-desc"

    @property
    def hatch_id(self) -> str:
        return f"{self.id}-hatch"

    @property
    def figure_format(self) -> int:
        """The `floatformat` argument for the chart's figures: the decimals the most precise
        figure needs (up to two), and none on a whole number (12 and 12.5, not 12.0)."""
        # Every chart class has `decimals`; the base only knows it by name.
        return -getattr(self, "decimals", 0)


@dataclass(frozen=True)
class Tick:
    """A gridline of a value axis: its value and its position along the axis."""

    value: float
    position: float

    @property
    def text_y(self) -> float:
        """The baseline of the tick's label, centred on the gridline."""
        return round(self.position + 4, 1)


@dataclass(frozen=True)
class AxisLabel:
    text: str
    x: float


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: float
    label: str


@dataclass(frozen=True)
class Segment:
    """An unbroken run of points of one series."""

    points: tuple[Point, ...]

    @property
    def path(self) -> str:
        """The points as a polyline's `points` attribute."""
        return " ".join(f"{point.x},{point.y}" for point in self.points)


@dataclass(frozen=True)
class LineSeries:
    name: str
    style: int
    values: tuple[float | None, ...]
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class TableRow:
    """A row of a chart's table: its header and one cell per column (None: no figure)."""

    label: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class LineChart(_Chart):
    title: str
    description: str
    unit: str
    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    labels: tuple[str, ...]
    x_labels: tuple[AxisLabel, ...]
    ticks: tuple[Tick, ...]
    tick_decimals: int
    decimals: int
    series: tuple[LineSeries, ...]
    target: float | None
    target_y: float | None
    show_dots: bool
    is_empty: bool

    @property
    def tick_label_x(self) -> float:
        return self.plot_left - 6

    @property
    def x_label_y(self) -> float:
        return self.plot_bottom + 20

    @property
    def target_label_y(self) -> float | None:
        return None if self.target_y is None else round(self.target_y - 4, 1)

    @property
    def has_legend(self) -> bool:
        return len(self.series) > 1 or self.target is not None

    @property
    def table(self) -> tuple[TableRow, ...]:
        """One row per x label, one column per series."""
        return tuple(
            TableRow(label=label, values=tuple(line.values[index] for line in self.series))
            for index, label in enumerate(self.labels)
        )


@dataclass(frozen=True)
class Sparkline(_Chart):
    title: str
    description: str
    unit: str
    width: int
    height: int
    labels: tuple[str, ...]
    values: tuple[float | None, ...]
    segments: tuple[Segment, ...]
    last: Point | None
    target: float | None
    target_y: float | None
    first_value: float | None
    last_value: float | None
    lowest: float | None
    highest: float | None
    decimals: int
    is_empty: bool

    @property
    def table(self) -> tuple[TableRow, ...]:
        return tuple(
            TableRow(label=label, values=(value,))
            for label, value in zip(self.labels, self.values, strict=True)
        )


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    y: float
    text_y: float
    width: float
    value_x: float
    #: Where the value stands against the target: "above", "below", "at", or None without one.
    side: Literal["above", "below", "at"] | None
    #: On the wrong side of the target (above it when low is good): drawn hatched, flagged in text.
    off_target: bool


@dataclass(frozen=True)
class BarChart(_Chart):
    title: str
    description: str
    unit: str
    width: int
    height: int
    label_x: float
    bar_x: float
    bar_height: float
    scale: float
    bars: tuple[Bar, ...]
    target: float | None
    target_x: float | None
    low_is_good: bool
    decimals: int
    is_empty: bool

    @property
    def off_target_bars(self) -> tuple[Bar, ...]:
        return tuple(bar for bar in self.bars if bar.off_target)


@dataclass(frozen=True)
class Column:
    low: float
    high: float | None
    count: float
    x: float
    y: float
    width: float
    height: float
    centre: float
    #: Whether the column's range is written under it (thinned out when columns are narrow).
    labelled: bool


@dataclass(frozen=True)
class PlacedMarker:
    label: str
    value: float
    x: float
    label_y: float
    style: int
    #: How the label is anchored: its end near the right edge, its start near the left.
    anchor: Literal["start", "middle", "end"]
    #: The value is in the open-ended last bin, where no position along the column means
    #: anything: the line stands in the column's middle.
    approximate: bool


@dataclass(frozen=True)
class Histogram(_Chart):
    title: str
    description: str
    unit: str
    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    columns: tuple[Column, ...]
    ticks: tuple[Tick, ...]
    tick_decimals: int
    decimals: int
    edge_decimals: int
    marker_decimals: int
    markers: tuple[PlacedMarker, ...]
    total: float
    is_empty: bool

    @property
    def tick_label_x(self) -> float:
        return self.plot_left - 6

    @property
    def x_label_y(self) -> float:
        return self.plot_bottom + 20

    @property
    def edge_format(self) -> int:
        return -self.edge_decimals

    @property
    def marker_format(self) -> int:
        return -self.marker_decimals


@dataclass(frozen=True)
class Cell:
    column: str
    x: float
    centre: float
    value: float | None
    #: 1 (lowest values) to 5 (highest), None for an empty cell.
    level: int | None
    #: 1 (best) to 5 (worst): the level turned by `low_is_good`; what the colour shows.
    shade: int | None


@dataclass(frozen=True)
class HeatRow:
    label: str
    y: float
    text_y: float
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class LegendEntry:
    shade: int
    low: float
    high: float


@dataclass(frozen=True)
class HeatMap(_Chart):
    title: str
    description: str
    unit: str
    width: int
    height: int
    grid_left: float
    grid_top: float
    cell_width: float
    cell_height: float
    columns: tuple[str, ...]
    column_labels: tuple[AxisLabel, ...]
    rows: tuple[HeatRow, ...]
    legend: tuple[LegendEntry, ...]
    has_empty: bool
    show_values: bool
    low_is_good: bool
    decimals: int
    is_empty: bool

    @property
    def empty_id(self) -> str:
        return f"{self.id}-empty"

    @property
    def row_label_x(self) -> float:
        return self.grid_left - 8

    @property
    def column_label_y(self) -> float:
        return self.grid_top - 8


# --- builders --------------------------------------------------------------------------------


def line_chart(
    series: list[Series],
    *,
    id: str,
    labels: list[str],
    target: float | None = None,
    y_min: float | None = None,
    y_max: float | None = None,
    unit: str = "",
    title: str,
    description: str = "",
) -> LineChart:
    """One or more series over shared x labels, with a y axis of nice ticks and an optional
    dashed target line. A None value breaks its line; values outside a given `y_min`–`y_max`
    are drawn at the edge of the plot (the table keeps the true figure)."""
    _check_id(id)
    for line in series:
        if len(line.values) != len(labels):
            raise ValueError(
                f"series {line.name!r} has {len(line.values)} values for {len(labels)} labels"
            )
    present = [value for line in series for value in line.values if value is not None]
    top, bottom = LINE_TOP, LINE_HEIGHT - LINE_BOTTOM
    left, right = LINE_LEFT, LINE_WIDTH - LINE_RIGHT
    low, high, steps = nice_axis(
        [*present, *([target] if target is not None else [])], fixed_min=y_min, fixed_max=y_max
    )

    def to_y(value: float) -> float:
        return _scale(value, low, high, bottom, top)

    def to_x(index: int) -> float:
        if len(labels) == 1:
            return round((left + right) / 2, 1)
        return round(left + (right - left) * index / (len(labels) - 1), 1)

    lines = tuple(
        LineSeries(
            name=line.name,
            style=index % SERIES_STYLES + 1,
            values=tuple(line.values),
            segments=_segments(line.values, labels, to_x, to_y),
        )
        for index, line in enumerate(series)
    )
    every = _label_stride(len(labels), right - left, LINE_LABEL_ROOM)
    return LineChart(
        id=id,
        title=title,
        description=description,
        unit=unit,
        width=LINE_WIDTH,
        height=LINE_HEIGHT,
        plot_left=left,
        plot_right=right,
        plot_top=top,
        plot_bottom=bottom,
        labels=tuple(labels),
        x_labels=tuple(
            AxisLabel(text=label, x=to_x(index))
            for index, label in enumerate(labels)
            if index % every == 0
        ),
        ticks=tuple(Tick(value=value, position=to_y(value)) for value in steps),
        tick_decimals=_decimals(steps),
        decimals=_decimals(present),
        series=lines,
        target=target,
        target_y=to_y(target) if target is not None else None,
        show_dots=len(labels) <= LINE_DOTS_UP_TO,
        is_empty=not present,
    )


def sparkline(
    values: Sequence[float | None],
    *,
    id: str,
    title: str,
    labels: Sequence[str] | None = None,
    target: float | None = None,
    unit: str = "",
    description: str = "",
    width: int = 120,
    height: int = 32,
) -> Sparkline:
    """A small line for a KPI tile: no axes, scaled to its own lowest and highest value (and the
    target), a dot on the last point. `labels` name the points in the table (1, 2, … without)."""
    _check_id(id)
    names = list(labels) if labels is not None else [str(index + 1) for index in range(len(values))]
    if len(names) != len(values):
        raise ValueError(f"{len(values)} values for {len(names)} labels")
    present = [value for value in values if value is not None]
    scope = [*present, *([target] if target is not None else [])]
    low, high = (min(scope), max(scope)) if scope else (0.0, 1.0)
    # Two units of room keep the stroke and the end dot inside the box.
    pad = 3

    def to_y(value: float) -> float:
        if high == low:
            return round(height / 2, 1)
        return _scale(value, low, high, height - pad, pad)

    def to_x(index: int) -> float:
        if len(values) <= 1:
            return round(width / 2, 1)
        return round(pad + (width - 2 * pad) * index / (len(values) - 1), 1)

    segments = _segments(values, names, to_x, to_y)
    return Sparkline(
        id=id,
        title=title,
        description=description,
        unit=unit,
        width=width,
        height=height,
        labels=tuple(names),
        values=tuple(values),
        segments=segments,
        last=segments[-1].points[-1] if segments else None,
        target=target,
        target_y=to_y(target) if target is not None else None,
        first_value=present[0] if present else None,
        last_value=present[-1] if present else None,
        lowest=min(present) if present else None,
        highest=max(present) if present else None,
        decimals=_decimals(present),
        is_empty=not present,
    )


def bar_chart(
    rows: list[BarRow],
    *,
    id: str,
    target: float | None = None,
    max_value: float | None = None,
    low_is_good: bool = True,
    unit: str = "",
    title: str,
    description: str = "",
) -> BarChart:
    """Horizontal bars from zero, the value at each bar's end and an optional target line. The
    scale runs to `max_value`, or else to a nice round number at or past the largest value and
    the target. A bar on the wrong side of the target (above it when `low_is_good`, below it
    otherwise) is flagged, so the partial can hatch it and say so in words."""
    _check_id(id)
    span = BAR_WIDTH - BAR_LABEL - BAR_VALUE_ROOM
    values = [row.value for row in rows]
    known = [value for value in values if value is not None]
    if max_value is not None and max_value > 0:
        scale = max_value
    else:
        scale = nice_axis([0.0, *known, *([target] if target is not None else [])])[1]

    def to_width(value: float | None) -> float:
        if value is None:
            return 0.0
        return round(span * min(max(value, 0.0), scale) / scale, 1)

    bars = []
    for index, row in enumerate(rows):
        y = BAR_TOP + index * BAR_ROW
        width = to_width(row.value)
        side = _side(row.value, target)
        bars.append(
            Bar(
                label=row.label,
                value=row.value,
                y=y,
                text_y=y + BAR_THICKNESS - 4,
                width=width,
                value_x=BAR_LABEL + width + 6,
                side=side,
                off_target=side == ("above" if low_is_good else "below"),
            )
        )
    return BarChart(
        id=id,
        title=title,
        description=description,
        unit=unit,
        width=BAR_WIDTH,
        height=BAR_TOP + max(len(rows), 1) * BAR_ROW,
        label_x=BAR_LABEL - 8,
        bar_x=BAR_LABEL,
        bar_height=BAR_THICKNESS,
        scale=scale,
        bars=tuple(bars),
        target=target,
        target_x=BAR_LABEL + to_width(target) if target is not None else None,
        low_is_good=low_is_good,
        decimals=_decimals(values),
        is_empty=not rows,
    )


def histogram(
    bins: list[Bin],
    *,
    id: str,
    marker_lines: Sequence[Marker] = (),
    unit: str = "",
    title: str,
    description: str = "",
) -> Histogram:
    """Vertical bars for bins with explicit edges, drawn as equal-width columns labelled with
    their ranges: bins may be uneven (0–1, 1–2, …, 60–90, 120+), and an axis drawn to scale would
    make the wide bins look like the busy ones. A marker stands in the column of the bin its value
    falls in, as far across it as the value is across the bin."""
    _check_id(id)
    marker_rows = min(len(marker_lines), HIST_MARKER_ROWS)
    top = 8 + marker_rows * HIST_MARKER_ROW + (4 if marker_rows else 0)
    bottom = HIST_HEIGHT - HIST_BOTTOM
    left, right = HIST_LEFT, HIST_WIDTH - HIST_RIGHT
    counts = [item.count for item in bins]
    low, high, steps = nice_axis([0.0, *counts])
    column_width = (right - left) / len(bins) if bins else 0.0
    every = _label_stride(len(bins), right - left, HIST_LABEL_ROOM)
    columns = []
    for index, item in enumerate(bins):
        x = left + index * column_width
        y = _scale(item.count, low, high, bottom, top)
        columns.append(
            Column(
                low=item.low,
                high=item.high,
                count=item.count,
                x=round(x, 1),
                y=y,
                width=round(column_width, 1),
                height=round(bottom - y, 1),
                centre=round(x + column_width / 2, 1),
                labelled=index % every == 0,
            )
        )
    markers = []
    for index, marker in enumerate(marker_lines):
        x, approximate = _marker_x(marker.value, bins, left, column_width)
        markers.append(
            PlacedMarker(
                label=marker.label,
                value=marker.value,
                x=x,
                label_y=8 + (index % HIST_MARKER_ROWS + 1) * HIST_MARKER_ROW - 3,
                style=index % SERIES_STYLES + 1,
                anchor=_anchor(x, left, right),
                approximate=approximate,
            )
        )
    edges = [item.low for item in bins] + [item.high for item in bins if item.high is not None]
    return Histogram(
        id=id,
        title=title,
        description=description,
        unit=unit,
        width=HIST_WIDTH,
        height=HIST_HEIGHT,
        plot_left=left,
        plot_right=right,
        plot_top=top,
        plot_bottom=bottom,
        columns=tuple(columns),
        ticks=tuple(
            Tick(value=value, position=_scale(value, low, high, bottom, top)) for value in steps
        ),
        tick_decimals=_decimals(steps),
        decimals=_decimals(counts),
        edge_decimals=_decimals(edges),
        marker_decimals=_decimals([marker.value for marker in marker_lines]),
        markers=tuple(markers),
        total=sum(counts),
        is_empty=not bins or not any(counts),
    )


def heat_map(
    rows: list[str],
    columns: list[str],
    values: list[list[float | None]],
    *,
    id: str,
    unit: str = "",
    title: str,
    description: str = "",
    low_is_good: bool = True,
) -> HeatMap:
    """A grid of rows × columns (weekdays × hours) shaded in five classes by the quintiles of the
    values that are there; empty cells (None) are marked apart. The shade says how bad a cell is:
    the highest values are the darkest when `low_is_good`, the lowest otherwise."""
    _check_id(id)
    if len(values) != len(rows) or any(len(line) != len(columns) for line in values):
        raise ValueError("values must have one list per row and one value per column")
    present = [value for line in values for value in line if value is not None]
    cut = quantile_breaks(present)
    cell_width = (HEAT_WIDTH - HEAT_LEFT - HEAT_RIGHT) / len(columns) if columns else 0.0
    heat_rows = []
    has_empty = False
    for row_index, (label, line) in enumerate(zip(rows, values, strict=True)):
        y = HEAT_TOP + row_index * HEAT_ROW
        cells = []
        for column_index, (name, value) in enumerate(zip(columns, line, strict=True)):
            level = shading_class(value, cut) if value is not None else None
            has_empty = has_empty or value is None
            cells.append(
                Cell(
                    column=name,
                    x=round(HEAT_LEFT + column_index * cell_width, 1),
                    centre=round(HEAT_LEFT + (column_index + 0.5) * cell_width, 1),
                    value=value,
                    level=level,
                    shade=_shade(level, low_is_good),
                )
            )
        heat_rows.append(HeatRow(label=label, y=y, text_y=y + HEAT_ROW / 2 + 4, cells=tuple(cells)))
    every = _label_stride(len(columns), HEAT_WIDTH - HEAT_LEFT - HEAT_RIGHT, HEAT_LABEL_ROOM)
    legend = []
    for level in range(1, HEAT_CLASSES + 1):
        members = [value for value in present if shading_class(value, cut) == level]
        if members:
            shade = level if low_is_good else HEAT_CLASSES + 1 - level
            legend.append(LegendEntry(shade=shade, low=min(members), high=max(members)))
    if not low_is_good:
        legend.reverse()
    return HeatMap(
        id=id,
        title=title,
        description=description,
        unit=unit,
        width=HEAT_WIDTH,
        height=HEAT_TOP + max(len(rows), 1) * HEAT_ROW,
        grid_left=HEAT_LEFT,
        grid_top=HEAT_TOP,
        cell_width=round(cell_width, 1),
        cell_height=HEAT_ROW,
        columns=tuple(columns),
        column_labels=tuple(
            AxisLabel(text=name, x=round(HEAT_LEFT + (index + 0.5) * cell_width, 1))
            for index, name in enumerate(columns)
            if index % every == 0
        ),
        rows=tuple(heat_rows),
        legend=tuple(legend),
        has_empty=has_empty,
        show_values=cell_width >= HEAT_TEXT_ROOM,
        low_is_good=low_is_good,
        decimals=_decimals(present),
        is_empty=not present,
    )


# --- scales ----------------------------------------------------------------------------------


def nice_axis(
    values: Sequence[float],
    *,
    fixed_min: float | None = None,
    fixed_max: float | None = None,
) -> tuple[float, float, list[float]]:
    """The bounds and ticks of a value axis covering `values` and zero: the smallest step of
    1, 2 or 5 × 10^k that cuts the axis into at most 5 intervals (3 to 5 when the axis starts at
    zero), the bounds rounded out to a whole step unless `fixed_min`/`fixed_max` pin them. With
    nothing to cover, the axis is 0–1. Returns (low, high, tick values)."""
    low = fixed_min if fixed_min is not None else min([0.0, *values])
    high = fixed_max if fixed_max is not None else max([low, *values])
    if high <= low:
        high = low + 1
    step = 10.0 ** math.floor(math.log10((high - low) / 5))
    while True:
        for factor in (1, 2, 5):
            size = step * factor
            axis_low = fixed_min if fixed_min is not None else math.floor(low / size + 1e-9) * size
            axis_high = fixed_max if fixed_max is not None else math.ceil(high / size - 1e-9) * size
            if (axis_high - axis_low) / size <= 5 + 1e-9:
                return _clean(axis_low), _clean(axis_high), _ticks(axis_low, axis_high, size)
        step *= 10


def quantile_breaks(values: Sequence[float], classes: int = HEAT_CLASSES) -> list[float]:
    """The `classes - 1` cut points between equal-count classes of `values` (inclusive
    quantiles: the lowest value is the 0th percentile and the highest the 100th)."""
    if len(values) < 2:
        return []
    return statistics.quantiles(values, n=classes, method="inclusive")


def shading_class(value: float, breaks: Sequence[float]) -> int:
    """The class (1 lowest to 5 highest) of `value`: one more than the cut points it is above.
    With no spread at all (one value, or all alike) every value is in the middle class."""
    if not breaks or breaks[0] == breaks[-1] == value:
        return (HEAT_CLASSES + 1) // 2
    return 1 + sum(value > point for point in breaks)


# --- helpers ---------------------------------------------------------------------------------


def _check_id(value: str) -> None:
    if not _SLUG.match(value):
        raise ValueError(f"a chart id must be a slug starting with a letter, not {value!r}")


def _scale(value: float, low: float, high: float, start: float, end: float) -> float:
    """`value` on the axis `low`–`high` mapped onto `start`–`end`, kept inside it."""
    if high == low:
        return round((start + end) / 2, 1)
    share = min(max((value - low) / (high - low), 0.0), 1.0)
    return round(start + (end - start) * share, 1)


def _segments(
    values: Sequence[float | None],
    labels: Sequence[str],
    to_x: Callable[[int], float],
    to_y: Callable[[float], float],
) -> tuple[Segment, ...]:
    """The unbroken runs of a series: every None ends one."""
    segments: list[Segment] = []
    run: list[Point] = []
    for index, value in enumerate(values):
        if value is None:
            if run:
                segments.append(Segment(points=tuple(run)))
            run = []
            continue
        run.append(Point(x=to_x(index), y=to_y(value), value=value, label=labels[index]))
    if run:
        segments.append(Segment(points=tuple(run)))
    return tuple(segments)


def _label_stride(count: int, room: float, each: float) -> int:
    """Every how many labels one is shown, so that each shown label has `each` units of room."""
    if count <= 1:
        return 1
    return max(1, math.ceil(count * each / room))


def _decimals(values: Sequence[float | None]) -> int:
    """How many decimals show every figure exactly (up to two): 12 and 12.5 need 0 and 1."""
    for places in (0, 1):
        if all(value is None or abs(round(value, places) - value) < 1e-9 for value in values):
            return places
    return 2


def _ticks(low: float, high: float, step: float) -> list[float]:
    """The multiples of `step` from `low` to `high`, rounded to the step's own precision."""
    digits = max(0, -math.floor(math.log10(step))) + 1
    first = math.ceil(low / step - 1e-9)
    last = math.floor(high / step + 1e-9)
    return [_clean(round(index * step, digits)) for index in range(first, last + 1)]


def _clean(value: float) -> float:
    """No minus zero and no 0.30000000000000004 on an axis."""
    value = round(value, 10)
    return 0.0 if value == 0 else value


def _side(value: float | None, target: float | None) -> Literal["above", "below", "at"] | None:
    if target is None or value is None:
        return None
    if value > target:
        return "above"
    if value < target:
        return "below"
    return "at"


def _anchor(x: float, left: float, right: float) -> Literal["start", "middle", "end"]:
    """Labels near an edge grow inwards so they stay inside the drawing."""
    if x > left + (right - left) * 0.8:
        return "end"
    if x < left + (right - left) * 0.2:
        return "start"
    return "middle"


def _shade(level: int | None, low_is_good: bool) -> int | None:
    if level is None:
        return None
    return level if low_is_good else HEAT_CLASSES + 1 - level


def _marker_x(
    value: float, bins: Sequence[Bin], left: float, column_width: float
) -> tuple[float, bool]:
    """Where a marker stands across the equal-width columns, and whether that is approximate."""
    if not bins:
        return round(left, 1), False
    if value <= bins[0].low:
        return round(left, 1), False
    for index, item in enumerate(bins):
        start = left + index * column_width
        if item.high is None:
            if value >= item.low:
                return round(start + column_width / 2, 1), True
            continue
        if item.low <= value < item.high:
            share = (value - item.low) / (item.high - item.low)
            return round(start + column_width * share, 1), False
        # A value in a gap between two bins stands on the border between their columns.
        following = bins[index + 1] if index + 1 < len(bins) else None
        if following is not None and item.high <= value < following.low:
            return round(start + column_width, 1), False
    return round(left + column_width * len(bins), 1), False
