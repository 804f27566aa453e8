"""The front office's intake: register an application, with or without a ticket, and its receipt.

The operator comes from the console with the ticket being served (`?ticket=<id>`: its office
and service are chosen already), or without one for applications that came by post or online
(`?office=<slug>`, then the service). The checklist, the applicant's data and the rules they
follow are the service's (`services.checklist`, `services.case_rules`); `services.register_case`
decides, and its domain errors come back on the form with what was typed, never a 500.
The receipt is printed in the applicant's language, whatever the operator's page is in.

Operators and heads of the office, administrators and superusers use these pages; other staff
get a 403. Another office, its tickets and its cases are a 404, as on every staff page.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from okno.cases import errors, selectors, services
from okno.cases.forms import IntakeForm, ServiceChoiceForm
from okno.cases.models import Case
from okno.catalog.models import Office, Service
from okno.core.i18n import tr
from okno.core.qr import qr_svg
from okno.core.scoping import get_in_scope, visible_offices
from okno.queueing.models import Ticket
from okno.staff.models import Employee

#: Longer than any primary key: refused before it reaches the database (which would overflow).
MAX_ID_DIGITS = 18
MAX_SLUG_LENGTH = Office._meta.get_field("slug").max_length or 80


# --- views ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def new_case(request: HttpRequest) -> HttpResponse:
    """Choose the office and the service if need be, then the application form; POST registers."""
    employee = _intake_employee(request)
    ticket = _ticket(request)
    office = ticket.office if ticket is not None else _office(request)
    if office is None:
        offices = list(visible_offices(request.user).filter(is_active=True).order_by("slug"))
        if len(offices) != 1:
            return _choice_page(request, offices=offices)
        office = offices[0]
    offered = _offered_services(office)
    service, choice, note = _service(request, ticket, offered)
    if service is None:
        status = 400 if choice.is_bound or request.method == "POST" else 200
        return _choice_page(
            request, office=office, ticket=ticket, form=choice, note=note, status=status
        )
    form = IntakeForm(
        request.POST if request.method == "POST" else None,
        checklist=services.checklist(service),
        rules=services.case_rules(service),
        with_ticket=ticket is not None,
    )
    page = {
        "office": office,
        "service": service,
        "ticket": ticket,
        "form": form,
        "routing": services.route(service, office),
    }
    if request.method == "GET":
        return _form_page(request, page)
    if not form.is_valid():
        return _form_page(request, page, status=400)
    kwargs = form.register_kwargs()
    try:
        case = services.register_case(office, service, employee=employee, ticket=ticket, **kwargs)
    except errors.CaseError as error:
        _put_on_fields(form, error)
        return _form_page(request, page, error=str(error.message), status=error.status)
    query = {"registered": "1"}
    if form.cleaned_data.get("print_now"):
        query["autoprint"] = "1"
    url = reverse("cases:receipt", kwargs={"number": case.number})
    return redirect(f"{url}?{urlencode(query)}")


@login_required
@require_GET
def receipt(request: HttpRequest, number: str) -> HttpResponse:
    """The printable receipt (опис / расписка); the receipt itself is in the applicant's language."""
    _intake_employee(request)
    case = selectors.get_case_for_user(request.user, number)
    with translation.override(case.language):
        # Names of roles and the QR code's label are text of the receipt: the applicant's words.
        person, role = selectors.responsible(case)
        follow_url = services.status_url(case)
        qr = qr_svg(follow_url, label=gettext("QR code: the page of this application"))
        missing = _missing_documents(case)
    context = {
        "case": case,
        "office": case.office,
        "documents": list(case.documents.select_related("document")),
        "missing": missing,
        "clock": selectors.clock(case),
        "responsible": {"name": person, "role": role},
        "follow_url": follow_url,
        "qr_svg": qr,
        "registered": request.GET.get("registered") == "1",
        "autoprint": request.GET.get("autoprint") == "1",
        "another_url": _another_url(case),
        "language_name": dict(settings.LANGUAGES).get(case.language, case.language),
    }
    return render(request, "cases/receipt.html", context)


urlpatterns: list[URLPattern] = [
    path("staff/cases/new/", new_case, name="new"),
    path("staff/cases/<str:number>/receipt/", receipt, name="receipt"),
]


# --- helpers -------------------------------------------------------------------------------------


def _intake_employee(request: HttpRequest) -> Employee | None:
    """The employee taking the application (None for a superuser who is not one); 403 for others."""
    if not selectors.may_register(request.user):
        raise PermissionDenied
    return getattr(request.user, "employee", None)


def _ticket(request: HttpRequest) -> Ticket | None:
    """The visit the application is taken at (`?ticket=<id>`), among the user's offices."""
    raw = request.GET.get("ticket", "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > MAX_ID_DIGITS:
        raise Http404
    tickets = Ticket.objects.select_related("office", "service").filter(office__is_active=True)
    return get_in_scope(tickets, request.user, pk=int(raw))


def _office(request: HttpRequest) -> Office | None:
    slug = request.GET.get("office", "").strip()
    if not slug:
        return None
    if len(slug) > MAX_SLUG_LENGTH:
        raise Http404
    return get_in_scope(
        Office.objects.filter(is_active=True), request.user, office_field="pk", slug=slug
    )


def _offered_services(office: Office) -> QuerySet[Service]:
    """The services the office takes applications for (active and offered there)."""
    return (
        Service.objects.filter(is_active=True, offices=office)
        .select_related("group")
        .order_by("group__order", "code")
    )


def _service(
    request: HttpRequest, ticket: Ticket | None, offered: QuerySet[Service]
) -> tuple[Service | None, ServiceChoiceForm, str]:
    """The service chosen (`?service=<slug>`), else the ticket's; or the choice form, with a
    note when the ticket's service takes no applications here.

    An empty `?service=` asks for the choice even with a ticket (the visitor may apply for
    another service than the one they queued for).
    """
    if "service" not in request.GET and ticket is not None:
        service = offered.filter(pk=ticket.service_id).first()
        if service is not None:
            return service, ServiceChoiceForm(services=offered), ""
        return None, ServiceChoiceForm(services=offered), str(errors.ServiceNotOffered.message)
    if not request.GET.get("service", "").strip():
        return None, ServiceChoiceForm(services=offered), ""
    choice = ServiceChoiceForm(request.GET, services=offered)
    if choice.is_valid():
        return choice.cleaned_data["service"], choice, ""
    return None, choice, ""


def _put_on_fields(form: IntakeForm, error: errors.CaseError) -> None:
    """A domain error next to the field it is about, so the operator sees where to look."""
    if isinstance(error, errors.InvalidApplicant):
        for name, message in error.fields.items():
            if name in form.fields:
                form.add_error(name, str(message))
    elif isinstance(error, errors.MissingDocuments):
        form.add_error("missing_reason", str(error.message))


def _missing_documents(case: Case) -> list[str]:
    """The mandatory documents of the checklist the case was accepted without (their names in
    the active language), shown only when a reason for accepting it without them was recorded."""
    if not case.missing_documents_reason:
        return []
    received = {doc.document_id for doc in case.documents.all()}
    return [
        tr(doc.name, case.office.default_language)
        for doc in services.checklist(case.service)
        if doc.mandatory and doc.pk not in received
    ]


def _another_url(case: Case) -> str:
    return f"{reverse('cases:new')}?{urlencode({'office': case.office.slug})}"


def _form_page(
    request: HttpRequest,
    page: dict[str, Any],
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    ticket = page["ticket"]
    query = {"ticket": ticket.pk} if ticket is not None else {"office": page["office"].slug}
    context = {
        **page,
        "error": error,
        "action": f"{reverse('cases:new')}?{urlencode({**query, 'service': page['service'].slug})}",
        "change_service_url": f"{reverse('cases:new')}?{urlencode({**query, 'service': ''})}",
    }
    return render(request, "cases/intake.html", context, status=status)


def _choice_page(
    request: HttpRequest,
    *,
    offices: list[Office] | None = None,
    office: Office | None = None,
    ticket: Ticket | None = None,
    form: ServiceChoiceForm | None = None,
    note: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        "offices": offices or [],
        "office": office,
        "ticket": ticket,
        "form": form,
        "note": note,
        "new_url": reverse("cases:new"),
        "other_offices": office is not None
        and ticket is None
        and visible_offices(request.user).filter(is_active=True).exclude(pk=office.pk).exists(),
    }
    return render(request, "cases/intake_service.html", context, status=status)
