"""The KPIs: each one's formula, in code and in plain words, computed from summed rollup columns.

Every function here takes sums (a mapping of column name → total over any set of rollup rows)
and returns values; nothing reads the database. The words shown on the dashboard next to each
figure come from `DEFINITIONS`, so the page and the code cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from okno.analytics.models import BINS, MINUTE_EDGES
from okno.feedback.models import CRITERIA

SATISFACTION_TARGET = 0.9
VISITS_PER_CASE_TARGET = 2.0

Sums = Mapping[str, float]


@dataclass(frozen=True)
class Definition:
    key: str
    section: str
    label: Promise
    formula: Promise
    #: "share" (0–1, shown as %), "minutes", "index", "count", "rate", "days"
    unit: str
    target: float | None = None
    higher_is_better: bool = True


@dataclass(frozen=True)
class Kpi:
    definition: Definition
    value: float | None
    #: How many observations the value rests on (ratings, waits, visits...).
    base: int

    @property
    def key(self) -> str:
        return self.definition.key

    @property
    def meets_target(self) -> bool | None:
        target = self.definition.target
        if target is None or self.value is None:
            return None
        return self.value >= target if self.definition.higher_is_better else self.value <= target


_CRITERION_LABELS = {
    "service_time": _("service time"),
    "waiting_time": _("waiting time"),
    "politeness": _("politeness and competence"),
    "comfort": _("comfort of the premises"),
    "information": _("information"),
}

SECTIONS = {
    "satisfaction": _("Satisfaction"),
    "waiting": pgettext_lazy("KPI section", "Waiting"),
    "service": pgettext_lazy("KPI section", "Service"),
    "access": _("Access"),
    "complaints": _("Complaints"),
    "cases": _("Applications"),
    "staff": _("Staff"),
}

_DEFINITIONS = [
    Definition(
        "satisfaction",
        "satisfaction",
        _("Satisfied visitors"),
        _(
            "Ratings whose overall score (the mean of the five criteria) is 4 or more, as a "
            "share of all ratings. Target: 90 %."
        ),
        "share",
        SATISFACTION_TARGET,
    ),
    Definition(
        "satisfaction_index",
        "satisfaction",
        _("Satisfaction index"),
        _(
            "(mean overall score − 1) ÷ 4 × 100: 0 when everyone gives 1, 100 when everyone gives 5."
        ),
        "index",
    ),
    Definition(
        "loyalty",
        "satisfaction",
        _("Loyalty index (NPS)"),
        _(
            "Of those who said how likely they are to recommend the centre (0–10): the share "
            "giving 9–10 minus the share giving 0–6, in points from −100 to 100."
        ),
        "index",
    ),
    *(
        Definition(
            f"{name}_mean",
            "satisfaction",
            label,
            _("Mean score for this criterion, 1–5."),
            "score",
        )
        for name, label in _CRITERION_LABELS.items()
    ),
    *(
        Definition(
            f"{name}_top",
            "satisfaction",
            label,
            _("Share of ratings giving this criterion 4 or 5 (top two boxes)."),
            "share",
        )
        for name, label in _CRITERION_LABELS.items()
    ),
    Definition(
        "wait_mean",
        "waiting",
        _("Mean wait"),
        _(
            "From taking the ticket (or checking in) to the first call, averaged over called visitors."
        ),
        "minutes",
        higher_is_better=False,
    ),
    Definition(
        "wait_median",
        "waiting",
        _("Median wait"),
        _("Half of the visitors waited less than this (read from the wait distribution)."),
        "minutes",
        higher_is_better=False,
    ),
    Definition(
        "wait_p90",
        "waiting",
        _("Wait of 9 in 10 visitors"),
        _("90th percentile: nine visitors in ten waited less than this."),
        "minutes",
        higher_is_better=False,
    ),
    Definition(
        "wait_within_norm",
        "waiting",
        _("Waits within the norm"),
        _(
            "Called within the norm: 5 minutes after checking in for booked visits; for walk-ins "
            "the service's own norm, or the office's (15 minutes) when that is stricter."
        ),
        "share",
    ),
    Definition(
        "service_mean",
        "service",
        _("Mean service time"),
        _("From the start of service to its end, over served visitors."),
        "minutes",
        higher_is_better=False,
    ),
    Definition(
        "service_p90",
        "service",
        _("Service time of 9 in 10 visitors"),
        _("90th percentile of the service time."),
        "minutes",
        higher_is_better=False,
    ),
    Definition(
        "service_within_norm",
        "service",
        _("Served within the typical time"),
        _("Served visitors whose service took no longer than the service's typical time."),
        "share",
    ),
    Definition(
        "visits",
        "access",
        _("Visits"),
        _("Tickets issued (a visitor sent on to another service counts once)."),
        "count",
    ),
    Definition(
        "digital_take_up",
        "access",
        _("Booked in advance"),
        _("Visits that came from a booking, as a share of all visits."),
        "share",
    ),
    Definition(
        "no_show_rate",
        "access",
        _("Bookings not kept"),
        _("Bookings whose visitor did not come, as a share of bookings that came due."),
        "share",
        higher_is_better=False,
    ),
    Definition(
        "not_called",
        "access",
        _("Walk-ins never called"),
        _("Walk-in visitors who left, or were left at closing time, before being called."),
        "count",
        higher_is_better=False,
    ),
    Definition(
        "rating_coverage",
        "access",
        _("Visits rated"),
        _("Ratings of visits ÷ served visits."),
        "share",
    ),
    Definition(
        "complaints_per_1000",
        "complaints",
        _("Complaints per 1,000 visits"),
        _("Complaints received in the period × 1,000 ÷ visits in the period."),
        "rate",
        higher_is_better=False,
    ),
    Definition(
        "complaints_on_time",
        "complaints",
        _("Complaints answered in time"),
        _(
            "Of the complaints whose answer was due in the period, the share answered by the due date."
        ),
        "share",
        1.0,
    ),
    Definition(
        "complaints_open",
        "complaints",
        _("Complaints open now"),
        _("Complaints not yet answered or closed, today."),
        "count",
        higher_is_better=False,
    ),
    Definition(
        "complaints_overdue",
        "complaints",
        _("Complaints overdue now"),
        _("Open complaints past their answer date, today."),
        "count",
        0,
        higher_is_better=False,
    ),
    Definition(
        "cases_on_time",
        "cases",
        _("Applications decided in time"),
        _(
            "Of the applications decided in the period, the share decided by the statutory deadline."
        ),
        "share",
        1.0,
    ),
    Definition(
        "cases_overdue",
        "cases",
        _("Applications overdue now"),
        _("Applications still running past their deadline, today."),
        "count",
        0,
        higher_is_better=False,
    ),
    Definition(
        "case_days",
        "cases",
        _("Days to a decision"),
        _(
            "Working days from registration to the decision, averaged over applications decided in the period."
        ),
        "days",
        higher_is_better=False,
    ),
    Definition(
        "visits_per_case",
        "cases",
        _("Visits per application"),
        _(
            "For the applications handed out in the period: visits at a window, counting the "
            "intake (when registered from a ticket) and the hand-out at the centre, per "
            "application. Target: 2 or fewer."
        ),
        "rate",
        VISITS_PER_CASE_TARGET,
        higher_is_better=False,
    ),
    Definition(
        "missing_documents",
        "cases",
        _("Registered with documents missing"),
        _(
            "Applications registered in the period although a mandatory document was missing (the operator recorded why)."
        ),
        "count",
        higher_is_better=False,
    ),
    Definition(
        "visits_per_operator_hour",
        "staff",
        _("Visitors served per operator-hour"),
        _("Served visitors ÷ hours operators spent at an open service point, pauses excluded."),
        "rate",
    ),
]

DEFINITIONS: dict[str, Definition] = {d.key: d for d in _DEFINITIONS}


def ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def percentile(bins: Sequence[float], q: float) -> float | None:
    """The q-th quantile (0–1) in minutes of values counted in MINUTE_EDGES bins.

    Inside a bin the values are taken as evenly spread (linear interpolation, as Prometheus and
    most monitoring tools do); in the last, open-ended bin its lower edge is returned.
    """
    total = sum(bins)
    if not total:
        return None
    rank = q * total
    seen = 0.0
    for index, count in enumerate(bins):
        if count and seen + count >= rank:
            low = MINUTE_EDGES[index - 1] if index else 0
            if index == len(MINUTE_EDGES):
                return float(low)
            high = MINUTE_EDGES[index]
            return low + (high - low) * (rank - seen) / count
        seen += count
    return float(MINUTE_EDGES[-1])


def bins_of(sums: Sums, prefix: str) -> list[float]:
    return [sums.get(f"{prefix}_{i:02d}", 0) or 0 for i in range(BINS)]


def satisfaction_kpis(sums: Sums) -> list[Kpi]:
    n = int(sums.get("ratings", 0) or 0)
    total = sum(sums.get(f"{name}_sum", 0) or 0 for name in CRITERIA)
    mean = ratio(total, n * len(CRITERIA))
    answers = int(sums.get("recommend_answers", 0) or 0)
    loyalty = ratio(
        100 * ((sums.get("promoters", 0) or 0) - (sums.get("detractors", 0) or 0)), answers
    )
    kpis = [
        kpi("satisfaction", ratio(sums.get("satisfied", 0) or 0, n), n),
        kpi("satisfaction_index", None if mean is None else (mean - 1) / 4 * 100, n),
        kpi("loyalty", loyalty, answers),
    ]
    kpis += [kpi(f"{name}_mean", ratio(sums.get(f"{name}_sum", 0) or 0, n), n) for name in CRITERIA]
    kpis += [kpi(f"{name}_top", ratio(sums.get(f"{name}_top", 0) or 0, n), n) for name in CRITERIA]
    return kpis


def visit_kpis(sums: Sums, *, booked_visits: float, case_ratings: float) -> list[Kpi]:
    """Waiting, service and access KPIs. `booked_visits` are the visits of the booking channel;
    `case_ratings` the ratings of applications, which are not ratings of a visit."""
    waits = int(sums.get("waits", 0) or 0)
    services = int(sums.get("services", 0) or 0)
    visits = int(sums.get("visits", 0) or 0)
    served = int(sums.get("served", 0) or 0)
    bookings = int(sums.get("bookings", 0) or 0)
    wait_bins = bins_of(sums, "wait_bin")
    service_bins = bins_of(sums, "service_bin")
    visit_ratings = (sums.get("ratings", 0) or 0) - case_ratings
    return [
        kpi("wait_mean", minutes(ratio(sums.get("wait_seconds", 0) or 0, waits)), waits),
        kpi("wait_median", percentile(wait_bins, 0.5), waits),
        kpi("wait_p90", percentile(wait_bins, 0.9), waits),
        kpi("wait_within_norm", ratio(sums.get("waits_within_norm", 0) or 0, waits), waits),
        kpi(
            "service_mean", minutes(ratio(sums.get("service_seconds", 0) or 0, services)), services
        ),
        kpi("service_p90", percentile(service_bins, 0.9), services),
        kpi(
            "service_within_norm",
            ratio(sums.get("services_within_norm", 0) or 0, services),
            services,
        ),
        kpi("visits", float(visits), visits),
        kpi("digital_take_up", ratio(booked_visits, visits), visits),
        kpi("no_show_rate", ratio(sums.get("bookings_no_show", 0) or 0, bookings), bookings),
        kpi("not_called", float(sums.get("not_called", 0) or 0), visits),
        kpi("rating_coverage", ratio(visit_ratings, served), served),
    ]


def staff_kpis(sums: Sums) -> list[Kpi]:
    hours = (sums.get("desk_seconds", 0) or 0) / 3600
    served = int(sums.get("served", 0) or 0)
    return [kpi("visits_per_operator_hour", ratio(served, hours), served)]


def complaint_kpis(
    *, received: int, visits: int, due: int, due_on_time: int, open_now: int, overdue_now: int
) -> list[Kpi]:
    return [
        kpi("complaints_per_1000", ratio(received * 1000, visits), visits),
        kpi("complaints_on_time", ratio(due_on_time, due), due),
        kpi("complaints_open", float(open_now), open_now),
        kpi("complaints_overdue", float(overdue_now), open_now),
    ]


def case_kpis(
    *,
    decided: int,
    decided_on_time: int,
    working_days: int,
    overdue_now: int,
    missing: int,
    handed_out: int = 0,
    visits: int = 0,
) -> list[Kpi]:
    return [
        kpi("cases_on_time", ratio(decided_on_time, decided), decided),
        kpi("cases_overdue", float(overdue_now), overdue_now),
        kpi("case_days", ratio(working_days, decided), decided),
        kpi("visits_per_case", ratio(visits, handed_out), handed_out),
        kpi("missing_documents", float(missing), missing),
    ]


def breakdown(sums: Sums) -> dict[str, float | int | None]:
    """The figures each row of a breakdown (a service, a channel, a week) shows, from its sums."""
    values = {
        x.key: x.value
        for x in [*satisfaction_kpis(sums), *visit_kpis(sums, booked_visits=0, case_ratings=0)]
    }
    return {
        "visits": int(sums.get("visits", 0) or 0),
        "ratings": int(sums.get("ratings", 0) or 0),
        "satisfaction": values["satisfaction"],
        "wait_mean": values["wait_mean"],
        "wait_within_norm": values["wait_within_norm"],
        "service_mean": values["service_mean"],
    }


def criterion_label(name: str) -> Promise:
    return _CRITERION_LABELS[name]


def kpi(key: str, value: float | None, base: int) -> Kpi:
    return Kpi(DEFINITIONS[key], value, base)


def minutes(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 60
