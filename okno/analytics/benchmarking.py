"""Benchmarking: offices side by side on every KPI, and employees against their office's average.

`league` puts offices in a table (one row per KPI), marks the best office of each row and
derives each office's strengths and weaknesses from where it stands against the others.
`employee_table` lists an office's employees with their pace, service time and ratings, and
the rating criteria where each falls short of the office. Every figure comes from
`selectors` (rollups plus today's live rows); the ranking and wording here are pure.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from okno.analytics import kpis as k
from okno.analytics import selectors
from okno.analytics.export import Column, Table
from okno.analytics.templatetags.analytics import kpi_value
from okno.catalog.models import Office
from okno.core.i18n import tr
from okno.feedback.models import CRITERIA
from okno.staff.models import Employee, Role

#: Observations (ratings, waits, visits...) an office's figure must rest on before it may be
#: marked best or called a strength or weakness: a share of 3 ratings says little.
MIN_BASE = 30
#: How many strengths and weaknesses each office gets at most.
FINDINGS = 3
#: Ratings an employee needs before a criterion of theirs may be called weak.
MIN_RATINGS = 10
#: How far (in score points, 1–5) below the office mean a criterion must fall to count as weak.
WEAK_MARGIN = 0.3
#: The per-criterion means are left out of the league (the top-two-box shares of the same
#: criteria stay: a share reads the same in every office and keeps the table to one unit).
_LEFT_OUT = frozenset(f"{name}_mean" for name in CRITERIA)
#: Counts grow with an office's size, so they are shown but never ranked.
_UNRANKED_UNITS = frozenset({"count"})
#: How a unit is named in a downloaded table, whose cells hold raw values.
UNIT_WORDS = {
    "share": _("share (0–1)"),
    "minutes": _("minutes"),
    "index": _("index"),
    "score": _("score (1–5)"),
    "count": _("count"),
    "rate": _("rate"),
    "days": _("working days"),
}


# --- the league -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeagueCell:
    office: Office
    kpi: k.Kpi
    is_best: bool = False

    @property
    def enough_base(self) -> bool:
        return self.kpi.base >= MIN_BASE


@dataclass(frozen=True)
class LeagueRow:
    """One KPI across the offices, in the league's office order."""

    definition: k.Definition
    cells: tuple[LeagueCell, ...]
    #: Whether offices are compared on this KPI at all (counts are not).
    ranked: bool

    @property
    def best(self) -> tuple[Office, ...]:
        return tuple(cell.office for cell in self.cells if cell.is_best)


@dataclass(frozen=True)
class Finding:
    """A KPI on which an office stands out from the others, for better or worse."""

    definition: k.Definition
    value: float
    #: The unweighted mean of the offices' values (each office counts once).
    average: float
    #: How many spreads (standard deviations) the office is from the average, signed so that
    #: positive is better whatever the KPI's direction.
    score: float
    base: int

    @property
    def sentence(self) -> str:
        """E.g. "Waits within the norm: 92.0 % against 78.0 % on average across offices"."""
        unit = self.definition.unit
        return gettext("%(kpi)s: %(value)s against %(average)s on average across offices") % {
            "kpi": self.definition.label,
            "value": kpi_value(self.value, unit),
            "average": kpi_value(self.average, unit),
        }


@dataclass(frozen=True)
class OfficeProfile:
    office: Office
    strengths: tuple[Finding, ...]
    weaknesses: tuple[Finding, ...]

    @property
    def name(self) -> str:
        return office_name(self.office)


@dataclass(frozen=True)
class League:
    offices: tuple[Office, ...]
    start: dt.date
    end: dt.date
    rows: tuple[LeagueRow, ...]
    profiles: tuple[OfficeProfile, ...]

    @property
    def is_comparison(self) -> bool:
        """A league needs two offices; with one the page shows its figures only."""
        return len(self.offices) >= 2

    @property
    def office_names(self) -> tuple[str, ...]:
        return tuple(office_name(office) for office in self.offices)

    def table(self) -> Table:
        """The league as the page shows it: one row per KPI, one column per office."""
        columns = [
            Column("kpi", str(_("Indicator"))),
            Column("unit", str(_("Unit"))),
            *(Column(office.slug, office_name(office)) for office in self.offices),
            Column("best", str(_("Best"))),
        ]
        rows = [
            [
                str(row.definition.label),
                str(UNIT_WORDS.get(row.definition.unit, row.definition.unit)),
                *(cell.kpi.value for cell in row.cells),
                "; ".join(office_name(office) for office in row.best),
            ]
            for row in self.rows
        ]
        return Table("league", str(_("League of offices")), columns, rows)


def league(
    offices: Sequence[Office], start: dt.date, end: dt.date, *, now: dt.datetime | None = None
) -> League:
    """Every KPI of every office over `start`–`end`, the best marked, strengths and weaknesses.

    One `selectors.report` per office: fine for up to about 100 offices (a region); a country
    would want the per-office sums in one grouped query instead.
    """
    now = now or timezone.now()
    offices = tuple(offices)
    reports = [
        selectors.report(selectors.Scope((office,), start, end), now=now).by_key()
        for office in offices
    ]
    rows = []
    for key, definition in k.DEFINITIONS.items():
        if key in _LEFT_OUT or not all(key in report for report in reports):
            continue
        kpis = [report[key] for report in reports]
        if all(kpi.value is None for kpi in kpis):
            continue
        ranked = definition.unit not in _UNRANKED_UNITS
        best = best_indexes(kpis) if ranked else set()
        cells = tuple(
            LeagueCell(office, kpi, index in best)
            for index, (office, kpi) in enumerate(zip(offices, kpis, strict=True))
        )
        rows.append(LeagueRow(definition, cells, ranked))
    return League(offices, start, end, tuple(rows), profiles(offices, rows))


def best_indexes(kpis: Sequence[k.Kpi]) -> set[int]:
    """The positions of the best values (all of them on a tie), respecting the KPI's direction.

    Only values resting on at least MIN_BASE observations compete, and only when at least two
    offices have one: a best of one is no comparison. When every competing office has the same
    figure none is marked: there is no practice to learn from.
    """
    eligible = {i: kpi.value for i, kpi in enumerate(kpis) if _eligible(kpi)}
    if len(eligible) < 2:
        return set()
    pick = max if kpis[0].definition.higher_is_better else min
    top = pick(eligible.values())
    best = {i for i, value in eligible.items() if math.isclose(value, top, rel_tol=1e-9)}
    return set() if len(best) == len(eligible) else best


def profiles(offices: Sequence[Office], rows: Sequence[LeagueRow]) -> tuple[OfficeProfile, ...]:
    """Each office's three strongest and three weakest KPIs against the other offices.

    On each ranked KPI the offices with enough observations are put on one scale: the office's
    distance from their mean in standard deviations (a z-score), turned round when lower is
    better. A strength has a positive score and a weakness a negative one, so an office ahead
    everywhere has no weaknesses rather than three invented ones. A KPI where the offices do not
    differ at all tells nothing and is skipped.
    """
    found: dict[int, list[Finding]] = {office.pk: [] for office in offices}
    for row in rows:
        if not row.ranked:
            continue
        cells = [cell for cell in row.cells if _eligible(cell.kpi)]
        if len(cells) < 2:
            continue
        values = [float(cell.kpi.value) for cell in cells if cell.kpi.value is not None]
        average = statistics.fmean(values)
        spread = statistics.pstdev(values)
        if math.isclose(spread, 0.0, abs_tol=1e-12):
            continue
        sign = 1 if row.definition.higher_is_better else -1
        for cell, value in zip(cells, values, strict=True):
            score = sign * (value - average) / spread
            found[cell.office.pk].append(
                Finding(row.definition, value, average, score, cell.kpi.base)
            )
    result = []
    for office in offices:
        # Ties on the score (always so with two offices) go to the larger relative gap.
        ordered = sorted(found[office.pk], key=_strength, reverse=True)
        strengths = tuple(f for f in ordered if f.score > 0)[:FINDINGS]
        weaknesses = tuple(f for f in reversed(ordered) if f.score < 0)[:FINDINGS]
        result.append(OfficeProfile(office, strengths, weaknesses))
    return tuple(result)


# --- employees --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionComparison:
    name: str
    mean: float | None
    office_mean: float | None
    ratings: int

    @property
    def label(self) -> str:
        return str(k.criterion_label(self.name))

    @property
    def gap(self) -> float | None:
        """How far the employee is below the office (positive: below)."""
        if self.mean is None or self.office_mean is None:
            return None
        return self.office_mean - self.mean


@dataclass(frozen=True)
class EmployeeFigures:
    employee: Employee
    #: Whether the employee still works in the office (the person page is reachable).
    in_office: bool
    kpis: dict[str, k.Kpi]
    criteria: tuple[CriterionComparison, ...]

    @property
    def name(self) -> str:
        return str(self.employee)

    @property
    def served(self) -> int:
        return self.kpis["visits_per_operator_hour"].base

    @property
    def visits_per_operator_hour(self) -> float | None:
        return self.kpis["visits_per_operator_hour"].value

    @property
    def service_mean(self) -> float | None:
        return self.kpis["service_mean"].value

    @property
    def ratings(self) -> int:
        return self.kpis["satisfaction"].base

    @property
    def satisfaction(self) -> float | None:
        return self.kpis["satisfaction"].value

    @property
    def enough_ratings(self) -> bool:
        return self.ratings >= MIN_RATINGS

    @property
    def weakest(self) -> tuple[CriterionComparison, ...]:
        """Criteria at least WEAK_MARGIN below the office mean, the widest gap first; none
        while the employee has fewer than MIN_RATINGS ratings."""
        if not self.enough_ratings:
            return ()
        weak = [c for c in self.criteria if c.gap is not None and c.gap >= WEAK_MARGIN - 1e-9]
        return tuple(sorted(weak, key=lambda c: (-(c.gap or 0), CRITERIA.index(c.name))))


@dataclass(frozen=True)
class EmployeeTable:
    office: Office
    start: dt.date
    end: dt.date
    #: The office's own KPIs over the period (its average against which employees are read).
    office_kpis: dict[str, k.Kpi]
    employees: tuple[EmployeeFigures, ...] = field(default_factory=tuple)

    @property
    def office_name(self) -> str:
        return office_name(self.office)

    def table(self) -> Table:
        columns = [
            Column("employee", str(_("Employee"))),
            Column("served", str(_("Visitors served")), "count"),
            Column("pace", str(k.DEFINITIONS["visits_per_operator_hour"].label), "rate"),
            Column("service_mean", str(k.DEFINITIONS["service_mean"].label), "minutes"),
            Column("ratings", str(_("Ratings")), "count"),
            Column("satisfaction", str(k.DEFINITIONS["satisfaction"].label), "share"),
            *(
                Column(f"{name}_mean", _capfirst(str(k.criterion_label(name))), "score")
                for name in CRITERIA
            ),
            Column("weakest", str(_("Weakest criteria"))),
        ]
        rows = [
            [
                person.name,
                person.served,
                person.visits_per_operator_hour,
                person.service_mean,
                person.ratings,
                person.satisfaction,
                *(criterion.mean for criterion in person.criteria),
                weakest_words(person),
            ]
            for person in self.employees
        ]
        office_row = [
            str(_("Office average")),
            self.office_kpis["visits_per_operator_hour"].base,
            self.office_kpis["visits_per_operator_hour"].value,
            self.office_kpis["service_mean"].value,
            self.office_kpis["satisfaction"].base,
            self.office_kpis["satisfaction"].value,
            *(self.office_kpis[f"{name}_mean"].value for name in CRITERIA),
            "",
        ]
        return Table("employees", str(_("Employees")), columns, [*rows, office_row])


def employee_table(
    office: Office, start: dt.date, end: dt.date, *, now: dt.datetime | None = None
) -> EmployeeTable:
    """The office's employees (its operators and heads, and anyone who worked there in the
    period) with their figures at this office, read against the office's own."""
    now = now or timezone.now()
    scope = selectors.Scope((office,), start, end)
    office_kpis = selectors.report(scope, now=now).by_key()
    worked = set(selectors.employee_sums(scope, now=now))
    attached = set(
        office.employees.filter(role__in=[Role.OPERATOR, Role.HEAD]).values_list("pk", flat=True)
    )
    people = Employee.objects.filter(pk__in=worked | attached).select_related("user")
    members = set(office.employees.values_list("pk", flat=True))
    figures = tuple(
        employee_figures(scope, employee, office_kpis, in_office=employee.pk in members, now=now)
        for employee in people
    )
    return EmployeeTable(office, start, end, office_kpis, figures)


def employee_figures(
    scope: selectors.Scope,
    employee: Employee,
    office_kpis: dict[str, k.Kpi],
    *,
    in_office: bool = True,
    now: dt.datetime | None = None,
) -> EmployeeFigures:
    """One employee's KPIs over the scope and each criterion against the office's mean."""
    kpis = {kpi.key: kpi for kpi in selectors.employee_kpis(scope, employee.pk, now=now)}
    criteria = tuple(
        CriterionComparison(
            name,
            kpis[f"{name}_mean"].value,
            office_kpis[f"{name}_mean"].value,
            kpis[f"{name}_mean"].base,
        )
        for name in CRITERIA
    )
    return EmployeeFigures(employee, in_office, kpis, criteria)


def weakest_words(person: EmployeeFigures) -> str:
    """The weakest criteria as the page and the download say them."""
    if not person.enough_ratings:
        return str(_("not enough ratings"))
    if not person.weakest:
        return str(_("none below the office"))
    return "; ".join(criterion.label for criterion in person.weakest)


def office_name(office: Office) -> str:
    return tr(office.name, office.default_language) or office.slug


# --- helpers ----------------------------------------------------------------------------------


def _eligible(kpi: k.Kpi) -> bool:
    return kpi.value is not None and kpi.base >= MIN_BASE


def _strength(finding: Finding) -> tuple[float, float]:
    sign = 1 if finding.definition.higher_is_better else -1
    relative = sign * (finding.value - finding.average) / abs(finding.average or 1)
    return (round(finding.score, 9), relative)


def _capfirst(text: str) -> str:
    return text[:1].upper() + text[1:]
