"""Citizen-facing pages: search, service passports, life situations and offices."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from okno.catalog import selectors

MAX_QUERY_LENGTH = 200


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/home.html",
        {
            "groups": selectors.groups_with_service_counts(),
            "situations": selectors.life_situations(),
            "offices": selectors.active_offices(),
        },
    )


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    results = selectors.search_catalog(query) if query else None
    template = "portal/_search_results.html" if request.htmx else "portal/search.html"
    return render(request, template, {"query": query, "results": results})


@require_GET
def service_list(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/services.html", {"groups": selectors.services_in_groups()})


@require_GET
def service_detail(request: HttpRequest, slug: str) -> HttpResponse:
    service = selectors.service_passport(slug)
    return render(request, "portal/service.html", {"service": service})


@require_GET
def situation_list(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/situations.html", {"situations": selectors.life_situations()})


@require_GET
def situation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    situation = selectors.life_situation(slug)
    return render(request, "portal/situation.html", {"situation": situation})


@require_GET
def office_list(request: HttpRequest) -> HttpResponse:
    offices = [(office, selectors.office_status(office)) for office in selectors.active_offices()]
    return render(request, "portal/offices.html", {"offices": offices})


@require_GET
def office_detail(request: HttpRequest, slug: str) -> HttpResponse:
    office = selectors.office_page(slug)
    return render(
        request,
        "portal/office.html",
        {
            "office": office,
            "status": selectors.office_status(office),
            "groups": selectors.services_in_groups(office=office),
        },
    )


@require_GET
def robots(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /api/",
        "Disallow: /*/staff/",
        # Applications are reached by their secret code; no crawler should follow one.
        "Disallow: /*/case/",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
