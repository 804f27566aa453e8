"""Staff pages: sign in, the offices a person works for, and each office's team."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from okno.catalog.models import Service
from okno.staff import selectors


class LoginView(auth_views.LoginView):
    template_name = "staff/login.html"
    redirect_authenticated_user = True


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "staff/home.html",
        {
            "employee": getattr(request.user, "employee", None),
            "offices": selectors.offices_for(request.user),
        },
    )


@login_required
@require_GET
def office(request: HttpRequest, slug: str) -> HttpResponse:
    office = selectors.office_for(request.user, slug)
    employees = list(selectors.employees_for(request.user, office=office))
    services = list(Service.objects.filter(offices=office, is_active=True).select_related("group"))
    competent = {e.pk: {s.pk for s in e.competencies.all()} for e in employees}
    coverage = [
        (service, sum(1 for e in employees if service.pk in competent[e.pk]))
        for service in services
    ]
    return render(
        request,
        "staff/office.html",
        {
            "office": office,
            "employees": employees,
            "coverage": coverage,
            "thin": [service for service, count in coverage if count <= 1],
        },
    )
