"""Daily rollups: per office and day, the sums every KPI is computed from.

Dashboards read these instead of scanning tickets and ratings. A rollup row holds sums and
counts only (never averages), so any set of rows adds up to the figures of its union: an
office-month, all offices over a year, one service, one employee. The rows of one office-day
are always rebuilt together from the raw tables (`services.refresh_day`), which makes a rebuild
safe to repeat.
"""

from __future__ import annotations

from django.db import models

from okno.catalog.models import Office, Service
from okno.feedback.models import CRITERIA
from okno.staff.models import Employee

#: Upper edges, in minutes, of the bins waits and service times are counted in; the last bin
#: is open-ended. Medians and 90th percentiles are read from these bins (see kpis.percentile).
MINUTE_EDGES = (1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 90, 120)
BINS = len(MINUTE_EDGES) + 1


def _count() -> models.PositiveIntegerField:
    return models.PositiveIntegerField(default=0)


def _seconds() -> models.BigIntegerField:
    return models.BigIntegerField(default=0)


class RatingSums(models.Model):
    """What the satisfaction KPIs need of a set of ratings."""

    ratings = _count()
    #: Ratings whose overall score (the mean of the five criteria) is 4 or more.
    satisfied = _count()
    recommend_answers = _count()
    promoters = _count()
    detractors = _count()
    locals().update({f"{name}_sum": _count() for name in CRITERIA})
    locals().update({f"{name}_top": _count() for name in CRITERIA})

    class Meta:
        abstract = True


class ServiceDay(RatingSums):
    """One office's visits of one day for one service through one channel (the ticket's source).

    Ratings of applications (no ticket) are counted under the channel "case".
    """

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=10)
    #: Tickets issued (a transfer's successor is the same visit and is not counted again).
    visits = _count()
    served = _count()
    no_show = _count()
    cancelled = _count()
    transferred = _count()
    #: Walk-in visits that ended without ever being called.
    not_called = _count()
    waits = _count()
    wait_seconds = _seconds()
    waits_within_norm = _count()
    services = _count()
    service_seconds = _seconds()
    services_within_norm = _count()
    bookings = _count()
    bookings_checked_in = _count()
    bookings_no_show = _count()
    locals().update({f"wait_bin_{i:02d}": _count() for i in range(BINS)})
    locals().update({f"service_bin_{i:02d}": _count() for i in range(BINS)})

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["office", "day", "service", "channel"], name="service_day_grain"
            )
        ]
        indexes = [models.Index(fields=["day", "office"], name="service_day_by_day")]

    def __str__(self) -> str:
        return f"{self.office_id} {self.day} {self.service_id} {self.channel}"


class EmployeeDay(RatingSums):
    """One employee's work at one office on one day."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="+")
    served = _count()
    services = _count()
    service_seconds = _seconds()
    services_within_norm = _count()
    #: Time at an open service point, pauses excluded.
    desk_seconds = _seconds()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["office", "day", "employee"], name="employee_day_grain")
        ]
        indexes = [models.Index(fields=["day", "office"], name="employee_day_by_day")]

    def __str__(self) -> str:
        return f"{self.office_id} {self.day} {self.employee_id}"


class HourDay(models.Model):
    """Arrivals and waits of one office-day by the local hour of arrival (for heat maps)."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    hour = models.PositiveSmallIntegerField()
    visits = _count()
    waits = _count()
    wait_seconds = _seconds()
    waits_within_norm = _count()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["office", "day", "hour"], name="hour_day_grain")
        ]
        indexes = [models.Index(fields=["day", "office"], name="hour_day_by_day")]

    def __str__(self) -> str:
        return f"{self.office_id} {self.day} {self.hour}h"


class GroupDay(models.Model):
    """Satisfaction by a group the rater chose to tell (age band, gender, disability)."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    dimension = models.CharField(max_length=12)
    value = models.CharField(max_length=10)
    ratings = _count()
    satisfied = _count()
    score_sum = _count()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["office", "day", "dimension", "value"], name="group_day_grain"
            )
        ]
        indexes = [models.Index(fields=["day", "office"], name="group_day_by_day")]

    def __str__(self) -> str:
        return f"{self.office_id} {self.day} {self.dimension}={self.value}"


class RollupState(models.Model):
    """How far an office's rollups are complete: every day up to `complete_until` is built."""

    office = models.OneToOneField(Office, on_delete=models.CASCADE, primary_key=True)
    complete_until = models.DateField()
    refreshed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.office_id} ≤ {self.complete_until}"


class ChangedDay(models.Model):
    """An office-day whose raw data changed after its rollup was built (a late rating, say)."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["office", "day"], name="changed_day_once")]

    def __str__(self) -> str:
        return f"{self.office_id} {self.day}"


#: The rollup tables, rebuilt together for an office-day.
ROLLUPS = (ServiceDay, EmployeeDay, HourDay, GroupDay)
