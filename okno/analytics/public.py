"""The figures of an office's public open-data page: aggregates only, none resting on too few."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from okno.analytics import kpis as k
from okno.analytics import selectors
from okno.analytics.services import local_today
from okno.catalog.models import Office
from okno.core.i18n import tr
from okno.queueing.selectors import waiting_tickets

#: A figure resting on fewer ratings (or waits) than this is not published: a handful of
#: visitors says little and could point at a person.
MIN_BASE = 10
#: How many calendar months the satisfaction trend covers (ending with last month).
TREND_MONTHS = 12

#: Not a KPI of the rollups, but shown next to them with its words like every other figure.
WAITING_NOW = k.Definition(
    "waiting_now",
    "access",
    _("Waiting now"),
    _("Visitors holding a ticket who have not been called yet, at the time shown."),
    "count",
)
LICENSE = _(
    "Open data under the Creative Commons Attribution 4.0 licence (CC BY 4.0). Aggregates only: "
    "no figure about a person. Figures resting on fewer than %(minimum)s ratings or waits are "
    "withheld (null)."
)


@dataclass(frozen=True)
class Figure:
    """A published figure: its KPI definition, its value (None when withheld) and its base."""

    definition: k.Definition
    value: float | None
    base: int
    #: False when the value rests on fewer than MIN_BASE observations and is not shown.
    enough: bool = True

    @property
    def key(self) -> str:
        return self.definition.key

    @property
    def meets_target(self) -> bool | None:
        return k.Kpi(self.definition, self.value, self.base).meets_target


@dataclass(frozen=True)
class TrendPoint:
    month: dt.date
    satisfaction: float | None
    ratings: int


@dataclass(frozen=True)
class PublicFigures:
    office: Office
    generated_at: dt.datetime
    today: dt.date
    #: Visits today and people waiting now: plain counts, always shown.
    visits_today: Figure
    waiting_now: Figure
    #: Today's mean wait and share of waits within the norm.
    today_waits: list[Figure]
    #: The first day of last month, and its satisfaction, mean wait and waits within the norm.
    month: dt.date
    last_month: list[Figure]
    trend: list[TrendPoint]


def public_figures(office: Office, *, now: dt.datetime | None = None) -> PublicFigures:
    """What the office's public page shows, as of `now` (its own local day and months)."""
    now = now or timezone.now()
    today = local_today(office, now)
    live = selectors.report(selectors.Scope((office,), today, today), now=now).by_key()
    month_start, month_end = previous_month(today)
    trend_start = add_months(month_start, 1 - TREND_MONTHS)
    year = selectors.Scope((office,), trend_start, month_end)
    points = {p["start"]: p for p in selectors.series(year, "month", now=now)}
    # The year's live rows (days not rolled up yet) serve last month's figures too.
    month_scope = selectors.Scope((office,), month_start, month_end, live=year.live)
    sums = selectors.service_sums(month_scope, now=now)
    month = {kpi.key: kpi for kpi in k.satisfaction_kpis(sums)}
    month.update(
        (kpi.key, kpi)
        for kpi in k.visit_kpis(
            sums,
            booked_visits=sums.get("booked_visits", 0),
            case_ratings=sums.get("case_ratings", 0),
        )
    )
    waiting = waiting_tickets(office).count()
    return PublicFigures(
        office=office,
        generated_at=now,
        today=today,
        visits_today=_figure(live["visits"], sample=False),
        waiting_now=Figure(WAITING_NOW, float(waiting), waiting),
        today_waits=[_figure(live["wait_mean"]), _figure(live["wait_within_norm"])],
        month=month_start,
        last_month=[
            _figure(month[key]) for key in ("satisfaction", "wait_mean", "wait_within_norm")
        ],
        trend=[_trend_point(month, points.get(month)) for month in _months(trend_start, month_end)],
    )


def as_open_data(figures: PublicFigures) -> dict[str, Any]:
    """The page's figures as JSON-ready data (shares 0–1, minutes), in the active language."""
    office = figures.office
    return {
        "office": {"slug": office.slug, "name": tr(office.name, office.default_language)},
        "generated_at": figures.generated_at.astimezone(office.zone).isoformat(),
        "license": str(LICENSE) % {"minimum": MIN_BASE},
        "minimum_base": MIN_BASE,
        "today": {
            "date": figures.today.isoformat(),
            "figures": {
                f.key: _figure_data(f)
                for f in (figures.visits_today, figures.waiting_now, *figures.today_waits)
            },
        },
        "last_month": {
            "month": figures.month.strftime("%Y-%m"),
            "figures": {f.key: _figure_data(f) for f in figures.last_month},
        },
        "satisfaction_trend": [
            {
                "month": point.month.strftime("%Y-%m"),
                "satisfaction": _rounded(point.satisfaction),
                "ratings": point.ratings,
            }
            for point in figures.trend
        ],
    }


def month_bounds(first: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the month `first` falls in."""
    start = first.replace(day=1)
    return start, add_months(start, 1) - dt.timedelta(days=1)


def previous_month(day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the calendar month before the one `day` falls in."""
    return month_bounds(add_months(day.replace(day=1), -1))


def add_months(first: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after (or before) the month of `first`."""
    index = first.year * 12 + first.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


# --- helpers ------------------------------------------------------------------------------------


def _figure(kpi: k.Kpi, *, sample: bool = True) -> Figure:
    """A KPI as published: a statistic of a sample is withheld below MIN_BASE; a count is not."""
    enough = not sample or kpi.base >= MIN_BASE
    return Figure(kpi.definition, kpi.value if enough else None, kpi.base, enough)


def _trend_point(month: dt.date, point: dict[str, Any] | None) -> TrendPoint:
    ratings = int(point["ratings"]) if point else 0
    value = point["satisfaction"] if point and ratings >= MIN_BASE else None
    return TrendPoint(month, value, ratings)


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    months = []
    month = start.replace(day=1)
    while month <= end:
        months.append(month)
        month = add_months(month, 1)
    return months


def _figure_data(figure: Figure) -> dict[str, Any]:
    definition = figure.definition
    return {
        "label": str(definition.label),
        "value": _rounded(figure.value),
        "unit": definition.unit,
        "base": figure.base,
        "withheld": not figure.enough,
        "target": definition.target,
        "meets_target": figure.meets_target,
        "formula": str(definition.formula),
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
