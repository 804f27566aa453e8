"""Public catalogue endpoints: offices, services (passports) and life situations.

No `from __future__ import annotations` here: django-ninja reads the annotations at import."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import translation
from ninja import Field, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from okno.catalog import selectors
from okno.catalog.models import LifeSituation, Office, Service
from okno.core.i18n import tr

router = Router(tags=["catalogue"])

Language = Literal["uk", "ru", "pl", "kk", "en"]


class LanguageQuery(Schema):
    lang: Language | None = None


class HoursOut(Schema):
    weekday: int
    opens: dt.time
    closes: dt.time


class OfficeOut(Schema):
    id: int
    slug: str
    name: str
    kind: str
    address: str
    country: str
    time_zone: str
    default_language: str
    phone: str
    email: str
    website: str
    latitude: Decimal | None
    longitude: Decimal | None
    open_now: bool
    opening_hours: list[HoursOut]


class OfficeDetailOut(OfficeOut):
    accessibility: str
    service_points: int
    services: list[str]


class GroupOut(Schema):
    prefix: str
    name: str


class DocumentOut(Schema):
    name: str
    form: str
    mandatory: bool
    obtained_by: str
    note: str


class FeeOut(Schema):
    free: bool
    amount: Decimal | None
    currency: str
    legal_basis: str


class TermOut(Schema):
    value: int
    unit: str


class ChannelsOut(Schema):
    in_person: bool
    online: bool
    online_url: str
    by_post: bool
    bookable: bool


class ServiceOut(Schema):
    id: int
    code: str
    slug: str
    name: str
    summary: str
    group: GroupOut
    fee: FeeOut
    term: TermOut
    channels: ChannelsOut
    handling_minutes: int
    max_wait_minutes: int


class ServiceDetailOut(ServiceOut):
    result: str
    result_delivery: str
    refusal_grounds: str
    legal_basis: str
    provider: str
    responsible_official: str
    documents: list[DocumentOut]
    offices: list[str]
    version: int
    last_reviewed: dt.date | None


class StepOut(Schema):
    service: str
    name: str
    note: str


class LifeSituationOut(Schema):
    slug: str
    name: str
    description: str
    steps: list[StepOut]


class ServiceFilters(LanguageQuery):
    office: int | None = None
    # A ticket letter (one or two letters): anything else is refused here, before the database
    # sees it (PostgreSQL cannot even compare a text holding a NUL character).
    group: str | None = Field(None, pattern=r"^[A-Za-z]{0,2}$")
    q: str | None = None


@router.get("/offices", response=list[OfficeOut], summary="Active offices")
def list_offices(request: HttpRequest, filters: Query[LanguageQuery]):
    with translation.override(filters.lang or translation.get_language()):
        return [_office(office) for office in selectors.active_offices()]


@router.get("/offices/{office_id}", response=OfficeDetailOut, summary="One office")
def get_office(request: HttpRequest, office_id: int, filters: Query[LanguageQuery]):
    office = get_object_or_404(Office.objects.filter(is_active=True), pk=office_id)
    office = selectors.office_page(office.slug)
    with translation.override(filters.lang or translation.get_language()):
        return {
            **_office(office),
            "accessibility": tr(office.accessibility, office.default_language),
            "service_points": office.service_points.filter(is_active=True).count(),
            "services": list(
                office.services.filter(is_active=True)
                .order_by("code")
                .values_list("code", flat=True)
            ),
        }


@router.get("/services", response=list[ServiceOut], summary="Services, filtered and searched")
@paginate(LimitOffsetPagination)
def list_services(request: HttpRequest, filters: Query[ServiceFilters]):
    query = (filters.q or "").strip()[:200]
    services = selectors.filter_services(office_id=filters.office, group=filters.group, query=query)
    with translation.override(filters.lang or translation.get_language()):
        return [_service(service) for service in services]


@router.get("/services/{service_id}", response=ServiceDetailOut, summary="A service passport")
def get_service(request: HttpRequest, service_id: int, filters: Query[LanguageQuery]):
    slug = get_object_or_404(Service.objects.filter(is_active=True), pk=service_id).slug
    service = selectors.service_passport(slug)
    with translation.override(filters.lang or translation.get_language()):
        return {
            **_service(service),
            "result": tr(service.result),
            "result_delivery": tr(service.result_delivery),
            "refusal_grounds": tr(service.refusal_grounds),
            "legal_basis": tr(service.legal_basis),
            "provider": tr(service.provider),
            "responsible_official": service.responsible_official,
            "documents": [
                {
                    "name": tr(d.name),
                    "form": d.form,
                    "mandatory": d.mandatory,
                    "obtained_by": d.obtained_by,
                    "note": tr(d.note),
                }
                for d in service.documents.all()
            ],
            "offices": [o.slug for o in service.offices.all()],
            "version": service.version,
            "last_reviewed": service.last_reviewed,
        }


@router.get("/life-situations", response=list[LifeSituationOut], summary="Life situations")
def list_life_situations(request: HttpRequest, filters: Query[LanguageQuery]):
    situations = selectors.life_situations().prefetch_related("steps__service")
    with translation.override(filters.lang or translation.get_language()):
        return [_situation(s) for s in situations]


def _office(office: Office) -> dict:
    return {
        "id": office.pk,
        "slug": office.slug,
        "name": tr(office.name, office.default_language),
        "kind": office.kind,
        "address": tr(office.address, office.default_language),
        "country": office.country,
        "time_zone": office.time_zone,
        "default_language": office.default_language,
        "phone": office.phone,
        "email": office.email,
        "website": office.website,
        "latitude": office.latitude,
        "longitude": office.longitude,
        "open_now": selectors.office_status(office, horizon_days=1).open_now,
        "opening_hours": list(office.opening_hours.all()),
    }


def _service(service: Service) -> dict:
    return {
        "id": service.pk,
        "code": service.code,
        "slug": service.slug,
        "name": tr(service.name),
        "summary": tr(service.summary),
        "group": {"prefix": service.group.prefix, "name": tr(service.group.name)},
        "fee": {
            "free": service.is_free,
            "amount": service.fee_amount,
            "currency": service.fee_currency,
            "legal_basis": tr(service.fee_legal_basis),
        },
        "term": {"value": service.term_value, "unit": service.term_unit},
        "channels": {
            "in_person": service.in_person,
            "online": service.online,
            "online_url": service.online_url,
            "by_post": service.by_post,
            "bookable": service.bookable,
        },
        "handling_minutes": service.handling_minutes,
        "max_wait_minutes": service.max_wait_minutes,
    }


def _situation(situation: LifeSituation) -> dict:
    return {
        "slug": situation.slug,
        "name": tr(situation.name),
        "description": tr(situation.description),
        "steps": [
            {"service": step.service.code, "name": tr(step.service.name), "note": tr(step.note)}
            for step in situation.steps.all()
            if step.service.is_active
        ],
    }
