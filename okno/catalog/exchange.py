"""Import and export of the whole catalogue as one document (docs/catalog-format.md).

An import validates everything before it keeps anything: it parses the document, applies it
inside one transaction, runs every model's own validation, and rolls back unless there were no
problems. Rows are matched by natural keys, so importing the same document twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, models, transaction
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as SchemaError

from okno.catalog.models import (
    CalendarException,
    LifeSituation,
    LifeSituationStep,
    Office,
    OpeningHours,
    RequiredDocument,
    Service,
    ServiceGroup,
    ServicePoint,
)

FORMAT = "okno-catalog"
VERSION = 1

Translated = dict[str, str]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class HoursIn(_In):
    weekday: int = Field(ge=0, le=6)
    opens: dt.time
    closes: dt.time


class ExceptionIn(_In):
    date: dt.date
    kind: Literal["closed", "shortened", "working"]
    opens: dt.time | None = None
    closes: dt.time | None = None
    note: Translated = {}


class ServicePointIn(_In):
    number: int = Field(ge=1, le=32767)
    label: str = ""
    floor: str = ""
    is_active: bool = True


class OfficeIn(_In):
    slug: str
    name: Translated
    kind: Literal["centre", "remote", "mobile"] = "centre"
    address: Translated = {}
    country: str
    subdivision: str = ""
    time_zone: str = Field(default_factory=lambda: settings.TIME_ZONE)
    default_language: str = Field(default_factory=lambda: settings.LANGUAGE_CODE)
    accessibility: Translated = {}
    phone: str = ""
    email: str = ""
    website: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    is_active: bool = True
    opening_hours: list[HoursIn] | None = None
    exceptions: list[ExceptionIn] | None = None
    service_points: list[ServicePointIn] | None = None


class GroupIn(_In):
    prefix: str
    name: Translated
    order: int = Field(default=0, ge=0, le=32767)


class FeeIn(_In):
    free: bool = True
    amount: Decimal | None = None
    currency: str = ""
    legal_basis: Translated = {}


class TermIn(_In):
    value: int = Field(ge=0)
    unit: Literal["working_days", "calendar_days", "on_the_spot"]


class ChannelsIn(_In):
    in_person: bool = True
    online: bool = False
    online_url: str = ""
    by_post: bool = False
    bookable: bool = True


class DocumentIn(_In):
    name: Translated
    form: Literal["original", "copy", "original_and_copy", "electronic"] = "original"
    mandatory: bool = True
    obtained_by: Literal["applicant", "centre"] = "applicant"
    note: Translated = {}


class ServiceIn(_In):
    code: str
    slug: str
    group: str
    name: Translated
    summary: Translated = {}
    keywords: Translated = {}
    fee: FeeIn = FeeIn()
    term: TermIn
    result: Translated = {}
    result_delivery: Translated = {}
    refusal_grounds: Translated = {}
    legal_basis: Translated = {}
    provider: Translated = {}
    responsible_official: str = ""
    channels: ChannelsIn = ChannelsIn()
    handling_minutes: int = Field(default=15, ge=1, le=32767)
    max_wait_minutes: int = Field(default=15, ge=1, le=32767)
    offices: list[str] | None = None
    is_active: bool = True
    version: int = Field(default=1, ge=1)
    last_reviewed: dt.date | None = None
    documents: list[DocumentIn] | None = None


class StepIn(_In):
    service: str
    note: Translated = {}


class SituationIn(_In):
    slug: str
    name: Translated
    description: Translated = {}
    order: int = Field(default=0, ge=0, le=32767)
    is_active: bool = True
    steps: list[StepIn] | None = None


class CatalogDocument(_In):
    format: Literal["okno-catalog"]
    version: Literal[1]
    offices: list[OfficeIn] = []
    groups: list[GroupIn] = []
    services: list[ServiceIn] = []
    life_situations: list[SituationIn] = []


# --- report --------------------------------------------------------------------


@dataclass
class Problem:
    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


@dataclass
class ImportReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def changed(self) -> bool:
        return any(self.created.values()) or any(self.updated.values())

    def count(self, kind: str, outcome: str) -> None:
        bucket = getattr(self, outcome)
        bucket[kind] = bucket.get(kind, 0) + 1

    def summary(self) -> str:
        kinds = sorted({*self.created, *self.updated, *self.unchanged})
        parts = [
            f"{kind}: {self.created.get(kind, 0)} created, {self.updated.get(kind, 0)} updated, "
            f"{self.unchanged.get(kind, 0)} unchanged"
            for kind in kinds
        ]
        return "; ".join(parts) or "nothing to import"


class _Rollback(Exception):
    """Raised inside the transaction to undo a dry run or an import with problems."""


ProgressCallback = Callable[[str, int, int], None]

# Passport fields whose document name differs from the model field name.
_SERVICE_FIELD_LOCATIONS = {
    "is_free": "fee.free",
    "fee_amount": "fee.amount",
    "fee_currency": "fee.currency",
    "fee_legal_basis": "fee.legal_basis",
    "term_value": "term.value",
    "term_unit": "term.unit",
    "in_person": "channels.in_person",
    "online": "channels.online",
    "online_url": "channels.online_url",
    "by_post": "channels.by_post",
    "bookable": "channels.bookable",
}


# --- import ----------------------------------------------------------------------


def parse_document(data: Any) -> tuple[CatalogDocument | None, list[Problem]]:
    """Check the document's shape and types; problems name the place in the document."""
    try:
        return CatalogDocument.model_validate(data), []
    except SchemaError as error:
        return None, [
            Problem(_location(item["loc"]), item["msg"]) for item in error.errors(include_url=False)
        ]


def import_catalog(
    data: Any, *, dry_run: bool = False, progress: ProgressCallback | None = None
) -> ImportReport:
    """Apply a catalogue document; nothing is kept unless every row is valid (or on a dry run)."""
    report = ImportReport(dry_run=dry_run)
    document, problems = parse_document(data)
    if document is None:
        report.problems = problems
        return report
    try:
        with transaction.atomic():
            _Importer(document, report, progress).run()
            if report.problems or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    except (IntegrityError, DataError) as error:
        # The model checks above should catch everything first; this is the database's last word.
        report.problems.append(Problem("", f"the database refused the import: {error}"))
    return report


class _Importer:
    def __init__(
        self, document: CatalogDocument, report: ImportReport, progress: ProgressCallback | None
    ) -> None:
        self.document = document
        self.report = report
        self.progress = progress or (lambda _kind, _done, _total: None)
        self.offices: dict[str, Office] = {}
        self.groups: dict[str, ServiceGroup] = {}
        self.services: dict[str, Service] = {}
        self.seen: set[tuple[str, tuple[tuple[str, Any], ...]]] = set()

    def run(self) -> None:
        self._each("offices", self.document.offices, self._office)
        self._each("groups", self.document.groups, self._group)
        self._each("services", self.document.services, self._service)
        self._each("life_situations", self.document.life_situations, self._situation)

    def _each(self, kind: str, rows: list[Any], apply: Callable[[str, Any], None]) -> None:
        total = len(rows)
        for index, row in enumerate(rows):
            apply(f"{kind}[{index}]", row)
            if (index + 1) % 25 == 0 or index + 1 == total:
                self.progress(kind, index + 1, total)

    # offices ------------------------------------------------------------------
    def _office(self, where: str, row: OfficeIn) -> None:
        values = row.model_dump(exclude={"opening_hours", "exceptions", "service_points"})
        office = self._upsert("offices", where, Office, {"slug": row.slug}, values)
        if office is None:
            return
        self.offices[office.slug] = office
        changed = False
        if row.opening_hours is not None:
            changed |= self._replace_children(
                where + ".opening_hours",
                office.opening_hours.all(),
                [OpeningHours(office=office, **h.model_dump()) for h in row.opening_hours],
                ("weekday", "opens", "closes"),
            )
        if row.exceptions is not None:
            changed |= self._replace_children(
                where + ".exceptions",
                office.calendar_exceptions.all(),
                [CalendarException(office=office, **e.model_dump()) for e in row.exceptions],
                ("date", "kind", "opens", "closes", "note"),
            )
        if row.service_points is not None:
            for index, point in enumerate(row.service_points):
                self._upsert(
                    "service_points",
                    f"{where}.service_points[{index}]",
                    ServicePoint,
                    {"office": office, "number": point.number},
                    point.model_dump(),
                )
        if changed:
            self._mark_child_change("offices", office)

    # groups ---------------------------------------------------------------------
    def _group(self, where: str, row: GroupIn) -> None:
        group = self._upsert(
            "groups", where, ServiceGroup, {"prefix": row.prefix}, row.model_dump()
        )
        if group is not None:
            self.groups[group.prefix] = group

    # services ---------------------------------------------------------------------
    def _service(self, where: str, row: ServiceIn) -> None:
        group = self._find(ServiceGroup, self.groups, "prefix", row.group, where + ".group")
        if group is None:
            return
        values = {
            "slug": row.slug,
            "group": group,
            "name": row.name,
            "summary": row.summary,
            "keywords": row.keywords,
            "is_free": row.fee.free,
            "fee_amount": row.fee.amount,
            "fee_currency": row.fee.currency,
            "fee_legal_basis": row.fee.legal_basis,
            "term_value": row.term.value,
            "term_unit": row.term.unit,
            "result": row.result,
            "result_delivery": row.result_delivery,
            "refusal_grounds": row.refusal_grounds,
            "legal_basis": row.legal_basis,
            "provider": row.provider,
            "responsible_official": row.responsible_official,
            **row.channels.model_dump(),
            "handling_minutes": row.handling_minutes,
            "max_wait_minutes": row.max_wait_minutes,
            "is_active": row.is_active,
            "version": row.version,
            "last_reviewed": row.last_reviewed,
        }
        service = self._upsert(
            "services", where, Service, {"code": row.code}, values, _SERVICE_FIELD_LOCATIONS
        )
        if service is None:
            return
        self.services[service.code] = service
        changed = False
        if row.offices is not None:
            offices = [
                self._find(Office, self.offices, "slug", slug, f"{where}.offices[{i}]")
                for i, slug in enumerate(row.offices)
            ]
            wanted = {o.pk for o in offices if o is not None}
            if wanted != set(service.offices.values_list("pk", flat=True)):
                service.offices.set(wanted)
                changed = True
        if row.documents is not None:
            changed |= self._replace_children(
                where + ".documents",
                service.documents.all(),
                [
                    RequiredDocument(service=service, order=index + 1, **d.model_dump())
                    for index, d in enumerate(row.documents)
                ],
                ("order", "name", "form", "mandatory", "obtained_by", "note"),
            )
        if changed:
            self._mark_child_change("services", service)

    # life situations ---------------------------------------------------------------
    def _situation(self, where: str, row: SituationIn) -> None:
        values = row.model_dump(exclude={"steps"})
        situation = self._upsert(
            "life_situations", where, LifeSituation, {"slug": row.slug}, values
        )
        if situation is None or row.steps is None:
            return
        steps = []
        for index, step in enumerate(row.steps):
            service = self._find(
                Service, self.services, "code", step.service, f"{where}.steps[{index}].service"
            )
            if service is not None:
                steps.append(
                    LifeSituationStep(
                        situation=situation, service=service, order=index + 1, note=step.note
                    )
                )
        if self._replace_children(
            where + ".steps", situation.steps.all(), steps, ("service_id", "order", "note")
        ):
            self._mark_child_change("life_situations", situation)

    # helpers -------------------------------------------------------------------------
    def _upsert(
        self,
        kind: str,
        where: str,
        model: type[models.Model],
        key: dict[str, Any],
        values: dict[str, Any],
        locations: dict[str, str] | None = None,
    ) -> Any:
        seen = (kind, tuple(sorted(key.items())))
        if seen in self.seen:
            # Matched by the same key, the later row would silently overwrite the earlier one.
            names = " and ".join(name for name in key if name != "office")
            self.report.problems.append(
                Problem(where, f"an earlier row in the document has the same {names}")
            )
            return None
        self.seen.add(seen)
        instance = model.objects.filter(**key).first()
        created = instance is None
        if created:
            instance = model(**{**values, **key})
        changed = created
        for name, value in values.items():
            if not created and getattr(instance, name) != value:
                setattr(instance, name, value)
                changed = True
        if not changed:
            self.report.count(kind, "unchanged")
            return instance
        if not self._valid(instance, where, locations or {}):
            return None
        instance.save()
        self.report.count(kind, "created" if created else "updated")
        return instance

    def _replace_children(
        self,
        where: str,
        existing: models.QuerySet,
        wanted: list[models.Model],
        compared: Iterable[str],
    ) -> bool:
        """Make the parent's child rows equal to `wanted`; return whether anything changed."""
        compared = tuple(compared)

        def signature(rows: Iterable[models.Model]) -> list[tuple[Any, ...]]:
            # Sorted, so that a document listing hours or exceptions in another order than the
            # database returns them is still "unchanged"; order that matters is a compared field.
            return sorted(
                (tuple(getattr(row, name) for name in compared) for row in rows),
                key=lambda values: json.dumps(values, sort_keys=True, default=str),
            )

        if signature(existing) == signature(wanted):
            return False
        # Replace, then check each new row: on any problem the whole import rolls back anyway.
        existing.delete()
        for index, row in enumerate(wanted):
            if self._valid(row, f"{where}[{index}]", {}):
                row.save()
        return True

    def _valid(self, instance: models.Model, where: str, locations: dict[str, str]) -> bool:
        try:
            instance.full_clean()
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                place = where if name == "__all__" else f"{where}.{locations.get(name, name)}"
                for message in messages:
                    self.report.problems.append(Problem(place, message))
            return False
        return True

    def _find(
        self,
        model: type[models.Model],
        known: dict[str, Any],
        field_name: str,
        key: str,
        where: str,
    ) -> Any:
        if key in known:
            return known[key]
        found = model.objects.filter(**{field_name: key}).first()
        if found is None:
            self.report.problems.append(
                Problem(where, f"no {model._meta.verbose_name} with {field_name} {key!r}")
            )
            return None
        known[key] = found
        return found

    def _mark_child_change(self, kind: str, instance: models.Model) -> None:
        """A parent whose children changed counts as updated, and its timestamp moves on."""
        if self.report.unchanged.get(kind):
            self.report.unchanged[kind] -= 1
            self.report.count(kind, "updated")
            instance.save()


# --- export ----------------------------------------------------------------------


def export_catalog() -> dict[str, Any]:
    """The whole catalogue as a document that `import_catalog` accepts."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "offices": [
            _office_out(o)
            for o in Office.objects.prefetch_related(
                "opening_hours", "calendar_exceptions", "service_points"
            )
        ],
        "groups": [
            {"prefix": g.prefix, "name": g.name, "order": g.order}
            for g in ServiceGroup.objects.all()
        ],
        "services": [
            _service_out(s)
            for s in Service.objects.select_related("group").prefetch_related(
                "offices", "documents"
            )
        ],
        "life_situations": [
            {
                "slug": s.slug,
                "name": s.name,
                "description": s.description,
                "order": s.order,
                "is_active": s.is_active,
                "steps": [
                    {"service": step.service.code, "note": step.note} for step in s.steps.all()
                ],
            }
            for s in LifeSituation.objects.prefetch_related("steps__service")
        ],
    }


def _time(value: dt.time | None) -> str | None:
    return value.strftime("%H:%M") if value else None


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _office_out(office: Office) -> dict[str, Any]:
    return {
        "slug": office.slug,
        "name": office.name,
        "kind": office.kind,
        "address": office.address,
        "country": office.country,
        "subdivision": office.subdivision,
        "time_zone": office.time_zone,
        "default_language": office.default_language,
        "accessibility": office.accessibility,
        "phone": office.phone,
        "email": office.email,
        "website": office.website,
        "latitude": _decimal(office.latitude),
        "longitude": _decimal(office.longitude),
        "is_active": office.is_active,
        "opening_hours": [
            {"weekday": h.weekday, "opens": _time(h.opens), "closes": _time(h.closes)}
            for h in office.opening_hours.all()
        ],
        "exceptions": [
            {
                "date": e.date.isoformat(),
                "kind": e.kind,
                "opens": _time(e.opens),
                "closes": _time(e.closes),
                "note": e.note,
            }
            for e in office.calendar_exceptions.all()
        ],
        "service_points": [
            {"number": p.number, "label": p.label, "floor": p.floor, "is_active": p.is_active}
            for p in office.service_points.all()
        ],
    }


def _service_out(service: Service) -> dict[str, Any]:
    fee: dict[str, Any] = {"free": service.is_free}
    if not service.is_free:
        fee.update(
            amount=_decimal(service.fee_amount),
            currency=service.fee_currency,
            legal_basis=service.fee_legal_basis,
        )
    elif service.fee_legal_basis:
        # Why a service is free has a legal basis too; importing this export must not lose it.
        fee["legal_basis"] = service.fee_legal_basis
    return {
        "code": service.code,
        "slug": service.slug,
        "group": service.group.prefix,
        "name": service.name,
        "summary": service.summary,
        "keywords": service.keywords,
        "fee": fee,
        "term": {"value": service.term_value, "unit": service.term_unit},
        "result": service.result,
        "result_delivery": service.result_delivery,
        "refusal_grounds": service.refusal_grounds,
        "legal_basis": service.legal_basis,
        "provider": service.provider,
        "responsible_official": service.responsible_official,
        "channels": {
            "in_person": service.in_person,
            "online": service.online,
            "online_url": service.online_url,
            "by_post": service.by_post,
            "bookable": service.bookable,
        },
        "handling_minutes": service.handling_minutes,
        "max_wait_minutes": service.max_wait_minutes,
        "offices": sorted(o.slug for o in service.offices.all()),
        "is_active": service.is_active,
        "version": service.version,
        "last_reviewed": service.last_reviewed.isoformat() if service.last_reviewed else None,
        "documents": [
            {
                "name": d.name,
                "form": d.form,
                "mandatory": d.mandatory,
                "obtained_by": d.obtained_by,
                "note": d.note,
            }
            for d in service.documents.all()
        ],
    }


def _location(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
