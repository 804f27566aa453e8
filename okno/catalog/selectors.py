"""Read queries over the catalogue, shared by the portal pages and the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone, translation

from okno.catalog import search as catalog_search
from okno.catalog.models import (
    LifeSituation,
    LifeSituationStep,
    Office,
    Service,
    ServiceGroup,
)
from okno.core.calendar import DayInfo, WorkingCalendar


def active_offices() -> QuerySet[Office]:
    return Office.objects.filter(is_active=True).prefetch_related("opening_hours")


def active_services() -> QuerySet[Service]:
    return Service.objects.filter(is_active=True).select_related("group")


def service_cards() -> QuerySet[Service]:
    """Active services with only what a card in a list shows (portal/_service_card.html): a list
    of hundreds of services need not load every passport's documents, law and result texts."""
    return active_services().only(*_CARD_FIELDS)


def services_in_groups(*, office: Office | None = None) -> list[tuple[ServiceGroup, list[Service]]]:
    """Active services grouped by service group, in catalogue order, loaded as cards."""
    services = service_cards()
    if office is not None:
        services = services.filter(offices=office)
    grouped: dict[int, tuple[ServiceGroup, list[Service]]] = {}
    for service in services.order_by("group__order", "group__prefix", "code"):
        grouped.setdefault(service.group_id, (service.group, []))[1].append(service)
    return list(grouped.values())


def groups_with_service_counts() -> QuerySet[ServiceGroup]:
    """Service groups that have active services, in catalogue order, each with `service_count`."""
    return ServiceGroup.objects.annotate(
        service_count=Count("services", filter=Q(services__is_active=True))
    ).filter(service_count__gt=0)


def service_passport(slug: str) -> Service:
    """An active service with everything its passport page shows."""
    try:
        return (
            active_services()
            .prefetch_related(
                "documents",
                Prefetch("offices", queryset=Office.objects.filter(is_active=True)),
                Prefetch("life_situations", queryset=LifeSituation.objects.filter(is_active=True)),
            )
            .get(slug=slug)
        )
    except Service.DoesNotExist:
        raise Http404 from None


def filter_services(
    *, office_id: int | None = None, group: str | None = None, query: str | None = None
) -> list[Service]:
    """Active services narrowed by office, group prefix and a search query (ranked by the query)."""
    services = active_services()
    if office_id is not None:
        services = services.filter(offices__pk=office_id)
    if group:
        services = services.filter(group__prefix=group.upper())
    if not query:
        return list(services.order_by("group__order", "code"))
    ranked = [hit.pk for hit in catalog_search.search(query, limit=200) if hit.kind == "service"]
    by_pk = {s.pk: s for s in services.filter(pk__in=ranked)}
    return [by_pk[pk] for pk in ranked if pk in by_pk]


@dataclass
class SearchResults:
    query: str
    services: list[Service]
    situations: list[LifeSituation]

    @property
    def count(self) -> int:
        return len(self.services) + len(self.situations)


def search_catalog(query: str, *, limit: int = 30) -> SearchResults:
    hits = catalog_search.search(query, limit=limit)
    service_pks = [h.pk for h in hits if h.kind == "service"]
    situation_pks = [h.pk for h in hits if h.kind == "situation"]
    services = service_cards().in_bulk(service_pks) if service_pks else {}
    situations = (
        LifeSituation.objects.filter(is_active=True).in_bulk(situation_pks) if situation_pks else {}
    )
    return SearchResults(
        query=query,
        services=[services[pk] for pk in service_pks if pk in services],
        situations=[situations[pk] for pk in situation_pks if pk in situations],
    )


def life_situations() -> QuerySet[LifeSituation]:
    return LifeSituation.objects.filter(is_active=True)


def life_situation(slug: str) -> LifeSituation:
    steps = LifeSituationStep.objects.filter(service__is_active=True).select_related(
        "service__group"
    )
    try:
        return life_situations().prefetch_related(Prefetch("steps", queryset=steps)).get(slug=slug)
    except LifeSituation.DoesNotExist:
        raise Http404 from None


def office_page(slug: str) -> Office:
    try:
        return (
            Office.objects.filter(is_active=True)
            .prefetch_related("opening_hours", "calendar_exceptions")
            .get(slug=slug)
        )
    except Office.DoesNotExist:
        raise Http404 from None


@dataclass
class OfficeStatus:
    """What a visitor wants to know before setting off: open now? today's hours? this week?"""

    local_now: dt.datetime
    open_now: bool
    closes_at: dt.time | None  # end of the current opening interval, when open
    today: DayInfo
    next_opening: dt.datetime | None
    week: list[DayInfo]
    upcoming: list[DayInfo]  # holidays and exceptions in the coming weeks


def office_status(
    office: Office, *, now: dt.datetime | None = None, horizon_days: int = 45
) -> OfficeStatus:
    calendar = WorkingCalendar(office, language=translation.get_language())
    moment = now or timezone.now()
    local_now = moment.astimezone(office.zone)
    days = calendar.days(local_now.date(), horizon_days)
    closes_at = next(
        (closes for opens, closes in days[0].intervals if opens <= local_now.time() < closes), None
    )
    return OfficeStatus(
        local_now=local_now,
        open_now=closes_at is not None,
        closes_at=closes_at,
        today=days[0],
        next_opening=calendar.next_opening(moment),
        week=days[:7],
        upcoming=[d for d in days if d.holiday or d.exception_kind],
    )


# What a service card shows; the group comes along for its ticket letter and name.
_CARD_FIELDS = (
    "code",
    "slug",
    "group",
    "name",
    "summary",
    "is_free",
    "fee_amount",
    "fee_currency",
    "term_value",
    "term_unit",
    "online",
    "bookable",
)
