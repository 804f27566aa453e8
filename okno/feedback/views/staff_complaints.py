"""Staff pages for complaints: the list with deadlines, filing one received on paper or by phone,
and the detail page with the audit trail and the actions (review, hand over, extend, answer,
close, forward, reject, note).

Who does what: heads and administrators handle complaints (and so does the employee a complaint
is assigned to); operators, heads and administrators file paper and phone ones; analysts read.
Another office's complaint is a 404, as on every staff page. The contact is shown only to the
assignee, the head of the complaint's office and administrators; everybody else sees it masked.
Every change goes through `okno.feedback.services`; a domain error is shown on the page,
translated, with the status it carries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from okno.catalog.models import Office
from okno.core.scoping import get_in_scope, scope, visible_offices
from okno.feedback import errors, services
from okno.feedback.complaint_forms import (
    AnswerForm,
    ComplaintFilterForm,
    ForwardForm,
    NoteForm,
    ReasonForm,
    ReassignForm,
    StaffComplaintForm,
)
from okno.feedback.models import Complaint, ComplaintEvent
from okno.notifications.contact import mask
from okno.staff.models import Employee, Role

#: Who handles complaints (besides the employee a complaint is assigned to).
HANDLER_ROLES = frozenset({Role.HEAD, Role.ADMINISTRATOR})
#: Who types in a complaint received on paper or by phone.
FILING_ROLES = frozenset({Role.OPERATOR, Role.HEAD, Role.ADMINISTRATOR})
#: Who reads the list and the complaints of their offices.
READING_ROLES = frozenset({Role.HEAD, Role.ADMINISTRATOR, Role.ANALYST})
PER_PAGE = 50

Action = ComplaintEvent.Action
Status = Complaint.Status


@dataclass
class Row:
    complaint: Complaint
    days_left: int | None  # None once the office owes no answer
    received_on: dt.date

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def overdue_days(self) -> int:
        return -self.days_left if self.days_left is not None else 0


@dataclass
class TrailEntry:
    event: ComplaintEvent
    label: str
    detail: str


# --- pages --------------------------------------------------------------------------------------


@login_required
@require_GET
def complaint_list(request: HttpRequest) -> HttpResponse:
    """The complaints of the person's offices, those still to answer first by deadline."""
    employee = _employee(request, READING_ROLES)
    form = ComplaintFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    offices = list(visible_offices(request.user).filter(is_active=True).order_by("slug"))
    complaints = scope(
        Complaint.objects.select_related("office", "service", "assignee__user"), request.user
    )
    office = None
    if data.get("office"):
        office = get_in_scope(
            Office.objects.all(), request.user, office_field="pk", slug=data["office"]
        )
        complaints = complaints.filter(office=office)
    status = data.get("status") or ""
    if status == "":
        complaints = complaints.filter(status__in=services.OPEN_STATUSES)
    elif status != "all":
        complaints = complaints.filter(status=status)
    if data.get("overdue"):
        # The latest of the offices' "today" is a safe bound; each row is then checked locally.
        complaints = complaints.filter(
            status__in=services.OPEN_STATUSES, deadline__lt=_latest_today()
        )
    if data.get("mine"):
        complaints = complaints.filter(assignee=employee)
    complaints = complaints.order_by("deadline", "received_at", "pk")
    page = Paginator(complaints, PER_PAGE).get_page(request.GET.get("page"))
    rows = [_row(complaint) for complaint in page.object_list]
    if data.get("overdue"):
        rows = [row for row in rows if row.overdue]
    context = {
        "form": form,
        "offices": offices,
        "office": office,
        "status": status,
        "statuses": Status.choices,
        "overdue": bool(data.get("overdue")),
        "mine": bool(data.get("mine")),
        "rows": rows,
        "page": page,
        "can_file": employee.role in FILING_ROLES,
        "query": _query_without_page(request),
    }
    return render(request, "feedback/staff/complaints.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def complaint_new(request: HttpRequest) -> HttpResponse:
    """Type in a complaint received on paper or by phone; the citizen gets the reference."""
    employee = _employee(request, FILING_ROLES)
    offices = visible_offices(request.user).filter(is_active=True).order_by("slug")
    own = list(employee.offices.filter(is_active=True).values_list("slug", flat=True)[:1])
    form = StaffComplaintForm(
        request.POST or None,
        offices=offices,
        languages=list(settings.LANGUAGES),
        initial={"office": own[0] if own else None, "channel": Complaint.Channel.PAPER},
    )
    context: dict[str, Any] = {"form": form}
    if request.method != "POST":
        return render(request, "feedback/staff/complaint_new.html", context)
    if not form.is_valid():
        return render(request, "feedback/staff/complaint_new.html", context, status=400)
    data = form.cleaned_data
    try:
        complaint = services.file_complaint(
            data["office"],
            text=data["text"],
            category=data["category"],
            kind=data["kind"],
            channel=data["channel"],
            service=data["service"],
            contact=data["contact"],
            language=data["language"],
            employee=employee,
        )
    except errors.FeedbackError as error:
        context["error"] = error
        return render(request, "feedback/staff/complaint_new.html", context, status=error.status)
    if _may_read(employee, complaint):
        return redirect(f"{_detail_url(complaint)}?done=filed")
    context = {"complaint": complaint, "office": complaint.office}
    return render(request, "feedback/staff/complaint_filed.html", context)


@login_required
@require_GET
def complaint_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One complaint: what it says, where it stands, its full trail, and the actions."""
    employee = _employee(request)
    complaint = _complaint(request, employee, code)
    return _render_detail(request, employee, complaint, done=request.GET.get("done", ""))


@login_required
@require_POST
def complaint_action(request: HttpRequest, code: str, action: str) -> HttpResponse:
    """Apply one action from the detail page; back to the page, with the result or the error."""
    employee = _employee(request)
    complaint = _complaint(request, employee, code)
    if not _may_handle(employee, complaint):
        raise PermissionDenied
    entry = ACTIONS.get(action)
    if entry is None:
        return _render_detail(
            request, employee, complaint, error=errors.TransitionNotAllowed(), status=400
        )
    apply = entry[1]
    form = _action_form(action, complaint, request.POST)
    if form is not None and not form.is_valid():
        return _render_detail(request, employee, complaint, forms_={action: form}, status=400)
    data = form.cleaned_data if form is not None else {}
    try:
        apply(complaint, employee, data)
    except errors.FeedbackError as error:
        return _render_detail(
            request, employee, complaint, error=error, forms_={action: form}, status=error.status
        )
    return redirect(f"{_detail_url(complaint)}?done={action}")


urlpatterns: list[URLPattern] = [
    path("staff/complaints/", complaint_list, name="staff_complaints"),
    path("staff/complaints/new/", complaint_new, name="staff_complaint_new"),
    path("staff/complaints/<str:code>/", complaint_detail, name="staff_complaint"),
    path(
        "staff/complaints/<str:code>/<slug:action>/",
        complaint_action,
        name="staff_complaint_action",
    ),
]


# --- actions: name -> (form, how to apply it) -----------------------------------------------

Apply = Callable[[Complaint, Employee, dict[str, Any]], Complaint]

ACTIONS: dict[str, tuple[type[forms.Form] | None, Apply]] = {
    "review": (None, lambda c, e, d: services.start_review(c, employee=e)),
    "assign": (
        ReassignForm,
        lambda c, e, d: services.assign_complaint(c, d["to"], employee=e, reason=d["reason"]),
    ),
    "extend": (
        ReasonForm,
        lambda c, e, d: services.extend_deadline(c, employee=e, reason=d["reason"]),
    ),
    "answer": (
        AnswerForm,
        lambda c, e, d: services.answer_complaint(c, employee=e, answer=d["answer"]),
    ),
    "close": (None, lambda c, e, d: services.close_complaint(c, employee=e)),
    "forward": (ForwardForm, lambda c, e, d: services.forward_complaint(c, employee=e, to=d["to"])),
    "reject": (
        ReasonForm,
        lambda c, e, d: services.reject_complaint(c, employee=e, reason=d["reason"]),
    ),
    "note": (NoteForm, lambda c, e, d: services.add_note(c, employee=e, note=d["note"])),
}

#: What the notice says after each action.
DONE = {
    "filed": _("The complaint is registered."),
    "review": _("Review started."),
    "assign": _("The complaint was handed over."),
    "extend": _("The deadline was extended; the citizen is told."),
    "answer": _("The answer was saved and sent to the citizen."),
    "close": _("The complaint is closed."),
    "forward": _("The complaint was forwarded; the citizen is told where."),
    "reject": _("The complaint was rejected; the citizen is told why."),
    "note": _("The note was added."),
}


# --- access -------------------------------------------------------------------------------------


def _employee(request: HttpRequest, roles: frozenset[str] | None = None) -> Employee:
    """The signed-in employee (with one of `roles`, when given); PermissionDenied otherwise."""
    employee = getattr(request.user, "employee", None)
    if employee is None or not request.user.is_active:
        raise PermissionDenied
    if roles is not None and employee.role not in roles:
        raise PermissionDenied
    return employee


def _complaint(request: HttpRequest, employee: Employee, code: str) -> Complaint:
    """The complaint within the person's offices (404 outside them), if they may read it (403)."""
    complaint = get_in_scope(
        Complaint.objects.select_related("office", "service", "ticket", "assignee__user"),
        request.user,
        code=code.strip().upper()[:12],
    )
    if not _may_read(employee, complaint):
        raise PermissionDenied
    return complaint


def _may_read(employee: Employee, complaint: Complaint) -> bool:
    return employee.role in READING_ROLES or complaint.assignee_id == employee.pk


def _may_handle(employee: Employee, complaint: Complaint) -> bool:
    return employee.role in HANDLER_ROLES or complaint.assignee_id == employee.pk


def _sees_contact(employee: Employee, complaint: Complaint) -> bool:
    """The assignee, the head of the complaint's office and administrators see the contact."""
    if employee.role == Role.ADMINISTRATOR or complaint.assignee_id == employee.pk:
        return True
    return employee.role == Role.HEAD and employee.offices.filter(pk=complaint.office_id).exists()


# --- reads --------------------------------------------------------------------------------------


def _render_detail(
    request: HttpRequest,
    employee: Employee,
    complaint: Complaint,
    *,
    done: str = "",
    error: errors.FeedbackError | None = None,
    forms_: dict[str, forms.Form | None] | None = None,
    status: int = 200,
) -> HttpResponse:
    complaint.refresh_from_db()
    action_forms = {name: _action_form(name, complaint, None) for name in ACTIONS}
    action_forms.update({k: v for k, v in (forms_ or {}).items() if v is not None})
    can_handle = _may_handle(employee, complaint)
    context = {
        "complaint": complaint,
        "office": complaint.office,
        "row": _row(complaint),
        "trail": _trail(complaint),
        "contact": (
            complaint.contact
            if _sees_contact(employee, complaint)
            else (mask(complaint.contact) if complaint.contact else "")
        ),
        "can_handle": can_handle,
        "open": complaint.status in services.OPEN_STATUSES,
        "forms": action_forms if can_handle else {},
        "done": DONE.get(done, ""),
        "error": error,
    }
    with timezone.override(complaint.office.zone):
        return render(request, "feedback/staff/complaint.html", context, status=status)


def _trail(complaint: Complaint) -> list[TrailEntry]:
    """Every event, with who made it and what it changed, in words."""
    events = list(complaint.events.select_related("employee__user").order_by("at", "pk"))
    ids = {
        value
        for event in events
        for key, value in event.detail.items()
        if key in ("to", "from") and isinstance(value, int)
    }
    names = {e.pk: str(e) for e in Employee.objects.filter(pk__in=ids).select_related("user")}
    return [
        TrailEntry(event, str(Action(event.action).label), _describe(event, names))
        for event in events
    ]


def _describe(event: ComplaintEvent, names: dict[int, str]) -> str:
    detail = event.detail or {}
    if event.action == Action.RECEIVED:
        return str(dict(Complaint.Channel.choices).get(detail.get("channel"), ""))
    if event.action == Action.ASSIGNED:
        name = names.get(detail.get("to"), "—")
        if detail.get("auto"):
            return str(_("to %(name)s, by the office's routing rule") % {"name": name})
        return str(
            _("to %(name)s: %(reason)s") % {"name": name, "reason": detail.get("reason", "")}
        )
    if event.action == Action.EXTENDED:
        return str(
            _("from %(old)s to %(new)s: %(reason)s")
            % {
                "old": detail.get("from", ""),
                "new": detail.get("to", ""),
                "reason": detail.get("reason", ""),
            }
        )
    if event.action == Action.ANSWERED:
        return str(_("on time") if detail.get("on_time") else _("after the deadline"))
    if event.action == Action.ALERTED:
        return str(_("overdue") if detail.get("which") == "overdue" else _("deadline near"))
    if event.action == Action.NOTE:
        return str(detail.get("note", ""))
    return ""


def _row(complaint: Complaint) -> Row:
    today = timezone.now().astimezone(complaint.office.zone).date()
    days_left = None
    if complaint.status in services.OPEN_STATUSES:
        days_left = (complaint.deadline - today).days
    return Row(
        complaint=complaint,
        days_left=days_left,
        received_on=complaint.received_at.astimezone(complaint.office.zone).date(),
    )


def _latest_today() -> dt.date:
    """Today in the zone furthest ahead (UTC+14): no office's today is later."""
    return (timezone.now() + dt.timedelta(hours=14)).date()


# --- helpers ------------------------------------------------------------------------------------


def _action_form(action: str, complaint: Complaint, data: Any) -> forms.Form | None:
    """The form of an action, prefixed with its name: the detail page holds them all."""
    form_class = ACTIONS[action][0]
    if form_class is None:
        return None
    if form_class is ReassignForm:
        return ReassignForm(data, office=complaint.office, prefix=action)
    return form_class(data, prefix=action)


def _detail_url(complaint: Complaint) -> str:
    return reverse("feedback:staff_complaint", kwargs={"code": complaint.code})


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
