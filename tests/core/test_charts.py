"""The chart kit: geometry worked out by hand, empty input said in words, and each partial drawn."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from okno.core.charts import (
    BarRow,
    Bin,
    Marker,
    Series,
    bar_chart,
    heat_map,
    histogram,
    line_chart,
    nice_axis,
    quantile_breaks,
    shading_class,
    sparkline,
)

# The frames, as the module documents them: the line plot runs from x 56 to 624 and from y 16
# (top) to 216 (bottom), 200 units high; the bars start at x 176 and may grow 352 units; the
# histogram's plot runs from x 48 to 624.
LINE_TOP, LINE_BOTTOM, LINE_LEFT, LINE_RIGHT = 16, 216, 56, 624
BAR_START, BAR_SPAN = 176, 352
HIST_LEFT, HIST_RIGHT = 48, 624


# --- line chart ------------------------------------------------------------------------------


def test_a_value_half_way_up_the_axis_lands_in_the_middle_of_the_plot():
    chart = line_chart(
        [Series("Wait", [50])], id="mid", labels=["Mon"], y_min=0, y_max=100, title="Waits"
    )

    (point,) = chart.series[0].segments[0].points
    assert (chart.plot_top, chart.plot_bottom) == (LINE_TOP, LINE_BOTTOM)
    assert point.y == 116  # 216 - 200 × 50/100
    assert point.x == 340  # a lone point stands in the middle: (56 + 624) / 2


def test_points_are_spread_evenly_across_the_plot():
    chart = line_chart(
        [Series("Wait", [1, 2, 3, 4, 5])], id="xs", labels=list("abcde"), title="Waits"
    )

    xs = [point.x for point in chart.series[0].segments[0].points]
    assert xs == [56, 198, 340, 482, 624]  # (624 - 56) / 4 = 142 apart


def test_a_missing_value_splits_the_line_into_two_segments():
    chart = line_chart(
        [Series("Wait", [1, 2, None, 3, 4])], id="gap", labels=list("abcde"), title="Waits"
    )

    segments = chart.series[0].segments
    assert len(segments) == 2
    assert [point.label for point in segments[0].points] == ["a", "b"]
    assert [point.label for point in segments[1].points] == ["d", "e"]


def test_ticks_for_a_largest_value_of_87_run_from_0_to_100_in_twenties():
    chart = line_chart([Series("Wait", [12, 87])], id="ticks", labels=["a", "b"], title="Waits")

    assert [tick.value for tick in chart.ticks] == [0, 20, 40, 60, 80, 100]
    # 100 is the top of the plot and 0 its bottom; 60 is 3/5 of the way up: 216 - 120.
    assert [tick.position for tick in chart.ticks] == [216, 176, 136, 96, 56, 16]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([0.87], [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        ([51], [0, 20, 40, 60]),
        ([101], [0, 50, 100, 150]),
        ([-3, 7], [-5, 0, 5, 10]),
        ([], [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
    ],
)
def test_nice_ticks_step_by_one_two_or_five_times_a_power_of_ten(values, expected):
    assert nice_axis(values)[2] == pytest.approx(expected)


def test_the_target_is_a_line_at_its_height():
    chart = line_chart(
        [Series("Wait", [10, 20])],
        id="target",
        labels=["a", "b"],
        target=25,
        y_min=0,
        y_max=100,
        title="Waits",
    )

    assert chart.target_y == 166  # 216 - 200 × 25/100
    assert chart.has_legend


def test_a_value_past_a_given_maximum_is_drawn_at_the_edge():
    chart = line_chart(
        [Series("Wait", [150])], id="clip", labels=["a"], y_min=0, y_max=100, title="Waits"
    )

    assert chart.series[0].segments[0].points[0].y == LINE_TOP
    assert chart.table[0].values == (150,)


def test_dots_are_drawn_up_to_31_points_only():
    month = line_chart([Series("s", [1] * 31)], id="a", labels=["x"] * 31, title="t")
    longer = line_chart([Series("s", [1] * 32)], id="b", labels=["x"] * 32, title="t")

    assert month.show_dots
    assert not longer.show_dots


def test_series_take_turns_over_four_styles():
    chart = line_chart(
        [Series(str(index), [index]) for index in range(5)], id="s", labels=["a"], title="t"
    )

    assert [line.style for line in chart.series] == [1, 2, 3, 4, 1]


def test_a_chart_without_any_figure_is_empty_and_divides_by_nothing():
    nothing = line_chart([], id="none", labels=[], title="Waits")
    gaps = line_chart([Series("s", [None, None])], id="gaps", labels=["a", "b"], title="Waits")

    assert nothing.is_empty
    assert gaps.is_empty
    assert gaps.series[0].segments == ()


def test_a_series_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError):
        line_chart([Series("s", [1, 2])], id="bad", labels=["a"], title="t")


def test_an_id_that_is_not_a_slug_is_refused():
    with pytest.raises(ValueError):
        line_chart([], id='x" onload="', labels=[], title="t")


# --- sparkline -------------------------------------------------------------------------------


def test_a_sparkline_spans_its_box_inside_a_margin_of_three():
    chart = sparkline([0, 5, 10], id="spark", title="Served", width=120, height=32)

    points = chart.segments[0].points
    assert [(point.x, point.y) for point in points] == [(3, 29), (60, 16), (117, 3)]
    assert chart.last == points[-1]
    assert (chart.lowest, chart.highest, chart.first_value, chart.last_value) == (0, 10, 0, 10)


def test_a_flat_sparkline_runs_through_the_middle():
    chart = sparkline([4, 4, 4], id="flat", title="Served")

    assert {point.y for point in chart.segments[0].points} == {16}


def test_an_empty_sparkline_is_empty():
    chart = sparkline([], id="none", title="Served")

    assert chart.is_empty
    assert chart.last is None


# --- bar chart -------------------------------------------------------------------------------


def test_bars_grow_in_proportion_to_the_scale():
    chart = bar_chart(
        [BarRow("A", 50), BarRow("B", 100)], id="bars", max_value=100, target=75, title="t"
    )

    assert [bar.width for bar in chart.bars] == [176, 352]  # half and all of 352
    assert chart.target_x == BAR_START + 264  # 3/4 of 352
    assert [bar.value_x for bar in chart.bars] == [358, 534]  # six past the bar's end


def test_without_a_maximum_the_scale_runs_to_a_round_number():
    chart = bar_chart([BarRow("A", 87)], id="bars", title="t")

    assert chart.scale == 100
    assert chart.bars[0].width == pytest.approx(BAR_SPAN * 0.87, abs=0.05)


def test_bars_above_the_target_are_off_when_low_is_good():
    rows = [BarRow("under", 10), BarRow("at", 15), BarRow("over", 20)]

    waits = bar_chart(rows, id="waits", target=15, title="t")
    scores = bar_chart(rows, id="scores", target=15, low_is_good=False, title="t")

    assert [bar.side for bar in waits.bars] == ["below", "at", "above"]
    assert [bar.off_target for bar in waits.bars] == [False, False, True]
    assert [bar.off_target for bar in scores.bars] == [True, False, False]
    assert [bar.label for bar in waits.off_target_bars] == ["over"]


def test_bars_without_a_target_are_never_off():
    chart = bar_chart([BarRow("A", 5)], id="bars", title="t")

    assert chart.bars[0].side is None
    assert not chart.bars[0].off_target


def test_bars_of_nothing_but_zeros_have_a_scale():
    chart = bar_chart([BarRow("A", 0)], id="zero", title="t")

    assert chart.bars[0].width == 0
    assert not chart.is_empty


# --- histogram -------------------------------------------------------------------------------

UNEVEN = [Bin(0, 5, 2), Bin(5, 10, 5), Bin(10, 30, 10), Bin(30, None, 1)]


def test_uneven_bins_are_drawn_as_equal_columns():
    chart = histogram(UNEVEN, id="waits", title="t")

    assert {column.width for column in chart.columns} == {144}  # (624 - 48) / 4
    assert [column.x for column in chart.columns] == [48, 192, 336, 480]


def test_column_heights_follow_the_counts():
    chart = histogram(UNEVEN, id="waits", title="t")

    # Counts up to 10 make an axis 0–10; with no markers the plot runs from y 8 to 208.
    assert [tick.value for tick in chart.ticks] == [0, 2, 4, 6, 8, 10]
    assert [column.height for column in chart.columns] == [40, 100, 200, 20]


def test_a_marker_lands_as_far_across_its_column_as_across_its_bin():
    chart = histogram(UNEVEN, id="waits", marker_lines=[Marker("norm", 7.5)], title="t")

    # 7.5 is half-way through the bin 5–10, which is the second column (192–336).
    assert chart.markers[0].x == 264
    assert not chart.markers[0].approximate


def test_a_marker_in_a_wide_bin_is_placed_by_its_share_of_that_bin():
    chart = histogram(UNEVEN, id="waits", marker_lines=[Marker("p90", 15)], title="t")

    assert chart.markers[0].x == 336 + 144 / 4  # 15 is a quarter of the way through 10–30


def test_a_marker_in_the_open_last_bin_stands_in_its_middle_and_says_so():
    chart = histogram(UNEVEN, id="waits", marker_lines=[Marker("far", 45)], title="t")

    assert chart.markers[0].x == 480 + 72
    assert chart.markers[0].approximate


def test_a_marker_between_two_bins_stands_on_their_border():
    bins = [Bin(0, 10, 1), Bin(20, 30, 1)]

    chart = histogram(bins, id="gap", marker_lines=[Marker("m", 15)], title="t")

    assert chart.markers[0].x == (HIST_LEFT + HIST_RIGHT) / 2


def test_markers_make_room_for_their_labels_above_the_plot():
    chart = histogram(UNEVEN, id="waits", marker_lines=[Marker("a", 1), Marker("b", 2)], title="t")

    assert chart.plot_top == 8 + 2 * 14 + 4
    assert [marker.label_y for marker in chart.markers] == [19, 33]


def test_a_histogram_with_no_counts_is_empty():
    assert histogram([], id="none", title="t").is_empty
    assert histogram([Bin(0, 5, 0)], id="zero", title="t").is_empty


# --- heat map --------------------------------------------------------------------------------


def test_quintile_breaks_of_one_to_ten():
    # Inclusive quantiles: the k-th fifth sits at position 1 + k × 9/5 of the sorted values.
    assert quantile_breaks(list(range(1, 11))) == pytest.approx([2.8, 4.6, 6.4, 8.2])


def test_heat_map_cells_fall_into_five_classes_by_quantile():
    values = [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]

    chart = heat_map(["Mon", "Tue"], list("abcde"), values, id="heat", title="t")

    levels = [cell.level for row in chart.rows for cell in row.cells]
    assert levels == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert [cell.shade for cell in chart.rows[0].cells] == [1, 1, 2, 2, 3]
    assert [(entry.shade, entry.low, entry.high) for entry in chart.legend] == [
        (1, 1, 2),
        (2, 3, 4),
        (3, 5, 6),
        (4, 7, 8),
        (5, 9, 10),
    ]


def test_when_high_is_good_the_lowest_values_are_the_darkest():
    values = [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]

    chart = heat_map(["Mon", "Tue"], list("abcde"), values, id="heat", title="t", low_is_good=False)

    assert [cell.shade for cell in chart.rows[0].cells] == [5, 5, 4, 4, 3]
    # The legend still runs from lighter (better) to darker (worse).
    assert [(entry.shade, entry.low, entry.high) for entry in chart.legend][:2] == [
        (1, 9, 10),
        (2, 7, 8),
    ]


def test_empty_cells_have_no_class_and_are_marked():
    chart = heat_map(["Mon"], ["8", "9"], [[3, None]], id="heat", title="t")

    assert chart.rows[0].cells[1].level is None
    assert chart.has_empty


def test_values_all_alike_sit_in_the_middle_class():
    assert shading_class(4, quantile_breaks([4, 4, 4])) == 3
    assert shading_class(4, quantile_breaks([4])) == 3


def test_a_grid_is_laid_out_in_cells_of_equal_width():
    chart = heat_map(["Mon", "Tue"], ["8", "9"], [[1, 2], [3, 4]], id="heat", title="t")

    # 640 wide, 104 for the row labels and 8 on the right: 528 for two columns.
    assert chart.cell_width == 264
    assert [cell.x for cell in chart.rows[1].cells] == [104, 368]
    assert [row.y for row in chart.rows] == [24, 52]


def test_a_heat_map_of_nothing_is_empty():
    assert heat_map([], [], [], id="none", title="t").is_empty
    assert heat_map(["Mon"], ["8"], [[None]], id="blank", title="t").is_empty


# --- the partials ----------------------------------------------------------------------------


def _charts() -> dict[str, object]:
    """One chart of each kind with a figure of 2.5 (a decimal, to see how it is written) and
    coordinates with a fraction (245.3: the second of four points)."""
    return {
        "line": line_chart(
            [Series("Average wait", [1, 2.5, None, 4])],
            id="trend",
            labels=["Mon", "Tue", "Wed", "Thu"],
            target=3,
            unit="min",
            title="Waits by day",
            description="Waits fell on Wednesday.",
        ),
        "sparkline": sparkline(
            [1, 2.5, 4],
            id="tile",
            labels=["Mon", "Tue", "Wed"],
            title="Waits by day",
            description="Waits fell on Wednesday.",
        ),
        "bar": bar_chart(
            [BarRow("Passports", 2.5), BarRow("Registration", 31)],
            id="groups",
            target=15,
            unit="min",
            title="Waits by day",
            description="Waits fell on Wednesday.",
        ),
        "histogram": histogram(
            [Bin(0, 2.5, 3), Bin(2.5, 5, 7), Bin(5, None, 1)],
            id="spread",
            marker_lines=[Marker("median", 2.5)],
            unit="min",
            title="Waits by day",
            description="Waits fell on Wednesday.",
        ),
        "heat_map": heat_map(
            ["Mon", "Tue"],
            ["8", "9"],
            [[1, 2.5], [None, 4]],
            id="week",
            unit="min",
            title="Waits by day",
            description="Waits fell on Wednesday.",
        ),
    }


def _svg(html: str) -> str:
    return html[html.index("<svg") : html.index("</svg>")]


def _table(html: str) -> str:
    return html[html.index("<details") : html.index("</details>")]


@pytest.mark.parametrize("kind", ["line", "sparkline", "bar", "histogram", "heat_map"])
def test_each_partial_draws_an_accessible_figure_with_its_table(kind):
    chart = _charts()[kind]

    with translation.override("en"):
        html = render_to_string(f"core/charts/{kind}.html", {"chart": chart})

    svg = _svg(html)
    assert 'role="img"' in svg
    assert f'aria-labelledby="{chart.id}-title {chart.id}-desc"' in svg
    assert f'<title id="{chart.id}-title">Waits by day</title>' in svg
    assert f'<desc id="{chart.id}-desc">Waits fell on Wednesday.</desc>' in svg
    table = _table(html)
    assert "<summary>Figures as a table</summary>" in table
    assert '<th scope="col"' in table and '<th scope="row"' in table
    assert ">2.5<" in table


@pytest.mark.parametrize("kind", ["line", "sparkline", "bar", "histogram", "heat_map"])
def test_figures_follow_the_language_but_coordinates_keep_a_decimal_point(kind):
    chart = _charts()[kind]

    with translation.override("uk"):
        html = render_to_string(f"core/charts/{kind}.html", {"chart": chart})

    assert ">2,5<" in _table(html)
    assert ">2.5<" not in _table(html)
    coordinates = re.findall(
        r'\b(?:x|y|x1|x2|y1|y2|cx|cy|width|height|points)="([^"]*)"', _svg(html)
    )
    assert coordinates
    assert not [value for value in coordinates if "," in value and " " not in value]
    assert any("." in value for value in coordinates)


def test_the_line_partial_draws_each_segment_and_a_dot_on_a_lone_point():
    with translation.override("uk"):
        html = render_to_string("core/charts/line.html", {"chart": _charts()["line"]})

    # Points at x 56, 245.3, 434.7, 624 (568 / 3 apart) on the axis 0–4 (step 1, 50 units each);
    # Wednesday is missing, so the line runs Mon–Tue and Thursday stands alone as a dot.
    assert '<polyline points="56.0,166.0 245.3,91.0"' in html
    assert html.count("<polyline") == 1
    assert 'cx="624.0" cy="16.0"' in html
    assert "2,5 min" in html  # the dot's tooltip, in the page's language


def test_the_bar_partial_hatches_and_flags_a_bar_over_its_target():
    with translation.override("en"):
        html = render_to_string("core/charts/bar.html", {"chart": _charts()["bar"]})

    assert '<pattern id="groups-hatch"' in html
    assert 'fill="url(#groups-hatch)"' in html
    assert html.count('fill="url(#groups-hatch)"') == 1
    assert "⚠ 31 min" in html
    assert "above the target" in html
    assert "below the target" in html


def test_the_heat_map_partial_marks_empty_cells_and_gives_every_cell_a_tooltip():
    with translation.override("en"):
        html = render_to_string("core/charts/heat_map.html", {"chart": _charts()["heat_map"]})

    assert '<pattern id="week-empty"' in html
    assert "<title>Tue, 8: no figure</title>" in html
    assert "<title>Mon, 9: 2.5 min</title>" in html


def test_two_charts_on_one_page_have_ids_of_their_own():
    first = line_chart([Series("s", [1])], id="first", labels=["a"], title="t")
    second = line_chart([Series("s", [1])], id="second", labels=["a"], title="t")

    page = render_to_string("core/charts/line.html", {"chart": first}) + render_to_string(
        "core/charts/line.html", {"chart": second}
    )

    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)) == 4


@pytest.mark.parametrize(
    ("kind", "chart"),
    [
        ("line", line_chart([], id="a", labels=[], title="Waits by day")),
        ("sparkline", sparkline([None], id="b", title="Waits by day")),
        ("bar", bar_chart([], id="c", title="Waits by day")),
        ("histogram", histogram([], id="d", title="Waits by day")),
        ("heat_map", heat_map([], [], [], id="e", title="Waits by day")),
    ],
)
def test_an_empty_chart_says_so_in_words(kind, chart):
    with translation.override("en"):
        html = render_to_string(f"core/charts/{kind}.html", {"chart": chart})

    assert "Waits by day: no figures to show yet." in html
    assert "<svg" not in html
