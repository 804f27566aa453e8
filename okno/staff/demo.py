"""The demo: three offices in Przemyśl with their catalogue and a team of fourteen.

Loading is idempotent: the catalogue import matches rows by natural keys and the employees by
username, so running it again changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from okno.analytics.demo import AnalyticsDemoReport, load_analytics_demo
from okno.appointments.demo import load_appointments_demo
from okno.cases.demo import load_cases_demo
from okno.catalog.exchange import ImportReport, import_catalog
from okno.catalog.models import Office, Service, ServicePoint
from okno.feedback.demo import load_feedback_demo
from okno.queueing.demo import load_queue_demo
from okno.staff import services
from okno.staff.models import Employee

CATALOG_DIR = Path(__file__).resolve().parent.parent / "catalog" / "demo"
STAFF_FILE = Path(__file__).resolve().parent / "demo" / "staff.json"
DEMO_PASSWORD = "okno-demo"


class DemoDataError(RuntimeError):
    """The demo files shipped with okno do not load: a bug in the files, reported in full."""


@dataclass
class DemoReport:
    catalog: list[ImportReport] = field(default_factory=list)
    employees_created: int = 0
    employees_existing: int = 0
    competencies_created: int = 0
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # username, role, offices
    analytics: AnalyticsDemoReport | None = None

    @property
    def changed(self) -> bool:
        return (
            any(r.changed for r in self.catalog)
            or self.employees_created > 0
            or self.competencies_created > 0
            or bool(self.analytics and self.analytics.changed)
        )


def load_demo(
    *, progress: Callable[[str], None] | None = None, past_visits: bool = True
) -> DemoReport:
    """The demo offices, catalogue, staff and their rules, ratings, complaints, applications and
    (with `past_visits`) 60 past days of visits with their KPI rollups. Safe to repeat."""
    say = progress or (lambda _message: None)
    report = DemoReport()
    with transaction.atomic():
        for path in sorted(CATALOG_DIR.glob("catalog-*.json")):
            say(f"catalogue: {path.name}")
            result = import_catalog(json.loads(path.read_text(encoding="utf-8")))
            if not result.ok:
                problems = "\n".join(str(p) for p in result.problems[:20])
                raise DemoDataError(f"{path.name} does not load:\n{problems}")
            report.catalog.append(result)
        say("staff")
        _load_staff(report)
        say("queue rules")
        load_queue_demo()
        say("booking rules and staff schedule")
        load_appointments_demo()
        say("ratings, complaints and the map of pains")
        load_feedback_demo()
        say("back-office units, routing and applications")
        load_cases_demo()
        if past_visits:
            # Last: the rollups it builds read the ratings and bookings the demos above wrote.
            say("past visits and the KPI rollups")
            report.analytics = load_analytics_demo()
    return report


def _load_staff(report: DemoReport) -> None:
    data = json.loads(STAFF_FILE.read_text(encoding="utf-8"))
    users = get_user_model().objects
    for row in data["employees"]:
        offices = [Office.objects.get(slug=slug) for slug in row["offices"]]
        employee = Employee.objects.filter(user__username=row["username"]).first()
        if employee is None:
            if users.filter(username=row["username"]).exists():
                report.employees_existing += 1
                continue  # a person created that login by hand; leave it alone
            point = None
            if row.get("home_service_point"):
                point = ServicePoint.objects.get(
                    office=offices[0], number=row["home_service_point"]
                )
            employee = services.create_employee(
                row["username"],
                role=row["role"],
                offices=offices,
                first_name=row["first_name"],
                last_name=row["last_name"],
                password=DEMO_PASSWORD,
                position=row.get("position", ""),
                home_service_point=point,
            )
            if row["role"] == "administrator":
                employee.user.is_superuser = True
                employee.user.save(update_fields=["is_superuser"])
            report.employees_created += 1
            for service in _services(row.get("competencies", [])):
                services.grant_competency(employee, service=service)
                report.competencies_created += 1
        else:
            report.employees_existing += 1
        report.logins.append(
            (row["username"], employee.get_role_display(), ", ".join(row["offices"]) or "—")
        )


def _services(patterns: list[Any]) -> list[Service]:
    chosen: dict[int, Service] = {}
    for pattern in patterns:
        if pattern.endswith("*"):
            found = Service.objects.filter(group__prefix=pattern[:-1])
        else:
            found = Service.objects.filter(code=pattern)
        if not found:
            raise DemoDataError(
                f"staff.json names competency {pattern!r}, which matches no service"
            )
        chosen.update({s.pk: s for s in found})
    return list(chosen.values())
