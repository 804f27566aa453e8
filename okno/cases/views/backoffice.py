"""The back office's pages: the work lists, the staff page of a case, and every action on a case.

Who sees a case is `okno.cases.selectors`' rule (out of scope is a 404, so nobody learns it
exists); who may act on it is `allowed_steps`, `may_take`, `may_assign` and `may_attach` there.
Every change goes through `okno.cases.services`: on success the browser goes back to the case
page with a message (post/redirect/get); a domain error re-renders the page with the translated
message and the error's 4xx status. The work list answers htmx with its `_work_table.html`
partial only and works the same without JavaScript.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from okno.cases import errors, selectors, services
from okno.cases.models import Case, CaseEvent, CaseFile, ProviderUnit
from okno.catalog.models import Office, Service, ServicePoint
from okno.core.calendar import WorkingCalendar
from okno.core.forms import AccessibleForm
from okno.core.i18n import tr
from okno.core.scoping import visible_offices
from okno.staff.models import Employee, Role

Status = Case.Status
Action = CaseEvent.Action
PER_PAGE = 50

#: The tabs of the work list, in `selectors.WORK_LISTS` order.
LIST_LABELS = {
    "mine": _("My cases"),
    "pool": _("My unit's pool"),
    "due_soon": _("Due soon"),
    "overdue": _("Overdue"),
    "open": _("All open"),
    "all": _("All"),
}
#: The list a role opens first: the first of these that has cases, else the first. The back office
#: works its own cases, then takes from the pool; a head answers for the terms, so overdue cases
#: come first; the front office hands out results (decided and ready cases are not "open"), so it
#: sees every case, newest first; analysts read everything; administrators watch the open ones.
DEFAULT_LISTS = {
    Role.BACK_OFFICE: ("mine", "pool", "open"),
    Role.HEAD: ("overdue", "due_soon", "open"),
    Role.OPERATOR: ("all",),
    Role.ANALYST: ("all",),
    Role.ADMINISTRATOR: ("open",),
}
#: Who registers applications (the intake pages' rule; the link is offered to them).
REGISTERING_ROLES = frozenset({Role.OPERATOR, Role.HEAD})
#: The button of each step of the pipeline, by the status it leads to.
STEP_BUTTONS = {
    Status.SENT: _("Send to the back office"),
    Status.IN_PROGRESS: _("Start work"),
    Status.WAITING_APPLICANT: _("Wait for the applicant"),
    Status.WAITING_AGENCY: _("Wait for another agency"),
    Status.DECIDED: _("Record the decision"),
    Status.READY: _("Result ready for pick-up"),
    Status.ISSUED: _("Result handed out"),
    Status.CLOSED: _("Close the application"),
    Status.WITHDRAWN: _("Withdraw the application"),
}
#: What each step asks for besides the button (the rules themselves are in services.transition).
STEP_FIELDS: dict[str, tuple[str, ...]] = {
    Status.WAITING_APPLICANT: ("reason",),
    Status.WAITING_AGENCY: ("reason",),
    Status.DECIDED: ("decision", "reason"),
    Status.READY: ("pickup_point",),
    Status.ISSUED: ("delivery",),
    Status.WITHDRAWN: ("reason",),
}
REASON_LABELS = {
    Status.WAITING_APPLICANT: _("What the applicant is asked for"),
    Status.WAITING_AGENCY: _("Which agency is asked, and for what"),
    Status.DECIDED: _("Grounds for refusal (for a refusal only)"),
    Status.WITHDRAWN: _("Why the application is withdrawn"),
}
#: What the notice says after each action.
DONE = {
    Status.SENT: _("The application was sent to the back office."),
    Status.IN_PROGRESS: _("The application is in progress."),
    Status.WAITING_APPLICANT: _("The application now waits for the applicant."),
    Status.WAITING_AGENCY: _("The application now waits for another agency."),
    Status.DECIDED: _("The decision was recorded."),
    Status.READY: _("The result is ready for pick-up."),
    Status.ISSUED: _("The result was recorded as handed out."),
    Status.CLOSED: _("The application is closed."),
    Status.WITHDRAWN: _("The application is withdrawn."),
    "take": _("You took the application."),
    "assign": _("The application was handed over."),
    "pool": _("The application went back to the unit's pool."),
    "note": _("The note was added."),
    "attach": _("The file was attached."),
}
STEP_REFUSED = _("You cannot take this step on this application.")
FORM_ERROR = _("Check the form: the problem is shown next to the field.")


# --- forms: they check what a person typed; the rules stay in the services ----------------------


class WorkFilterForm(AccessibleForm):
    service = forms.ModelChoiceField(
        label=_("Service"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=_("All services"),
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *Status.choices], required=False
    )
    due_by = forms.DateField(
        label=_("Due by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    office = forms.ModelChoiceField(
        label=_("Office"),
        queryset=Office.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label=_("All my offices"),
    )

    def __init__(self, data: QueryDict, *, offices: QuerySet[Office]) -> None:
        super().__init__(data, auto_id="filter-%s")
        self.fields["office"].queryset = offices  # type: ignore[attr-defined]
        services_offered = Service.objects.filter(offices__in=offices).distinct().order_by("code")
        self.fields["service"].queryset = services_offered  # type: ignore[attr-defined]
        self.fields["service"].label_from_instance = _service_label  # type: ignore[attr-defined]
        self.fields["office"].label_from_instance = str  # type: ignore[attr-defined]


class StepForm(AccessibleForm):
    """What one step asks for: only the fields in `STEP_FIELDS` for it are kept."""

    decision = forms.ChoiceField(
        label=_("Decision"), choices=Case.Decision.choices, required=False, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    pickup_point = forms.ModelChoiceField(
        label=_("Window where the result is handed out"),
        queryset=ServicePoint.objects.none(),
        required=False,
        empty_label=_("Not said"),
    )
    delivery = forms.ChoiceField(
        label=_("How the result was handed out"),
        choices=Case.Delivery.choices,
        required=False,
        initial=Case.Delivery.AT_CENTRE,
        widget=forms.RadioSelect,
    )

    def __init__(self, data: QueryDict | None, *, case: Case, step: str) -> None:
        # Every step's form is on the page at once: ids carry the step, names stay plain.
        super().__init__(data, auto_id=f"step-{step}-%s")
        wanted = STEP_FIELDS.get(step, ())
        for name in [name for name in self.fields if name not in wanted]:
            del self.fields[name]
        if "pickup_point" in self.fields:
            points = case.office.service_points.filter(is_active=True).order_by("number")
            self.fields["pickup_point"].queryset = points  # type: ignore[attr-defined]
        if "reason" in self.fields:
            self.fields["reason"].label = REASON_LABELS.get(step, _("Reason"))
            if step != Status.DECIDED:
                self.fields["reason"].widget.attrs.update({"required": True})
            elif case.service.refusal_grounds:
                self.described_by["reason"] = ["refusal-grounds"]
        self.describe()


class AssignForm(AccessibleForm):
    to = forms.ModelChoiceField(
        label=_("Hand over to"),
        queryset=Employee.objects.none(),
        required=False,
        empty_label=_("Back to the unit's pool"),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "required": True}),
    )

    def __init__(self, data: QueryDict | None, *, case: Case) -> None:
        super().__init__(data, auto_id="assign-%s")
        unit = case.unit
        members = Employee.objects.none()
        if unit is not None:
            members = (
                Employee.objects.filter(Q(provider_units=unit) | Q(headed_units=unit))
                .filter(user__is_active=True)
                .exclude(pk=case.assignee_id or 0)
                .select_related("user")
                .distinct()
            )
        self.fields["to"].queryset = members  # type: ignore[attr-defined]


class AttachForm(AccessibleForm):
    file = forms.FileField(
        label=_("File"),
        widget=forms.FileInput(
            attrs={"accept": ".pdf,.jpg,.jpeg,.png,.tif,.tiff,application/pdf,image/*"}
        ),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=CaseFile.Kind.choices)

    def __init__(self, *args: Any, limit_mb: int, **kwargs: Any) -> None:
        super().__init__(*args, auto_id="attach-%s", **kwargs)
        self.fields["file"].help_text = _("PDF, JPEG, PNG or TIFF, up to %(limit)s MB.") % {
            "limit": limit_mb
        }
        self.describe()


class NoteForm(AccessibleForm):
    note = forms.CharField(
        label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3, "required": True})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, auto_id="note-%s", **kwargs)


# --- what the pages show -------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """A case with its deadline as a person reads it today."""

    case: Case
    clock: selectors.Clock

    @property
    def overdue_by(self) -> int:
        return max(-self.clock.days_left, 0)

    @property
    def working_days(self) -> bool:
        return self.clock.unit == Service.TermUnit.WORKING_DAYS


@dataclass(frozen=True)
class Tab:
    name: str
    label: str
    count: int
    query: str
    current: bool


@dataclass(frozen=True)
class Step:
    status: str
    label: str
    button: str
    form: StepForm


@dataclass(frozen=True)
class TrailEntry:
    event: CaseEvent
    label: str
    lines: list[str]


# --- pages ---------------------------------------------------------------------------------------


@login_required
@require_GET
def work(request: HttpRequest) -> HttpResponse:
    """One work list with its filters; htmx gets the tabs and the table only."""
    employee = _staff(request)
    offices = _offices(request, employee)
    form = WorkFilterForm(request.GET, offices=offices)
    valid = form.is_valid()
    data = form.cleaned_data
    filters: dict[str, Any] = {
        "office": data.get("office"),
        "service_id": data["service"].pk if data.get("service") else None,
        "status": data.get("status") or "",
        "due_by": data.get("due_by"),
    }
    now = timezone.now()
    names = _lists_for(employee)
    counts = {
        name: selectors.work_list(request.user, name, now=now, **filters).count() for name in names
    }
    which = request.GET.get("list", "")
    if which not in names:
        which = _default_list(employee, names, counts)
    cases = selectors.work_list(request.user, which, now=now, **filters)
    page = Paginator(cases, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query["list"] = which
    context = {
        "form": form,
        "which": which,
        "which_label": LIST_LABELS[which],
        "tabs": [_tab(name, counts[name], query, which) for name in names],
        "rows": _rows(page.object_list, now),
        "page": page,
        "query": query.urlencode(),
        "can_register": employee is not None and employee.role in REGISTERING_ROLES,
    }
    template = "cases/work.html"
    if request.htmx and not request.htmx.boosted:
        template = "cases/_work_table.html"
    return render(request, template, context, status=200 if valid else 400)


@login_required
@require_GET
def detail(request: HttpRequest, number: str) -> HttpResponse:
    """A case: its data, documents, files, deadline, who answers for it, actions and trail."""
    employee = _staff(request)
    case = selectors.get_case_for_user(request.user, number)
    return _render_detail(request, employee, case)


@login_required
@require_POST
def transition(request: HttpRequest, number: str) -> HttpResponse:
    """Move the case one step along the pipeline, with what that step needs."""
    employee = _staff(request)
    case = selectors.get_case_for_user(request.user, number)
    to = request.POST.get("to", "")
    if to not in selectors.allowed_steps(request.user, case):
        # Shown with the page, not a bare 403: a stale page is the usual cause.
        return _render_detail(request, employee, case, error=STEP_REFUSED, status=403)
    form = StepForm(request.POST, case=case, step=to)
    if not form.is_valid():
        return _render_detail(
            request, employee, case, error=FORM_ERROR, step_form=(to, form), status=400
        )
    data = form.cleaned_data
    try:
        services.transition(
            case,
            to,
            employee=employee,
            reason=data.get("reason", ""),
            decision=data.get("decision", ""),
            delivery=data.get("delivery", ""),
            pickup_point=data.get("pickup_point"),
        )
    except errors.CaseError as error:
        _mark(form, error)
        return _render_detail(
            request, employee, case, error=error.message, step_form=(to, form), status=error.status
        )
    return _done(request, case, to)


@login_required
@require_POST
def take(request: HttpRequest, number: str) -> HttpResponse:
    """Take the case from the unit's pool (first come, first served)."""
    employee = _staff(request)
    case = selectors.get_case_for_user(request.user, number)
    if employee is None:
        raise PermissionDenied
    try:
        services.take_case(case, employee=employee)
    except errors.CaseError as error:
        return _render_detail(request, employee, case, error=error.message, status=error.status)
    return _done(request, case, "take")


@login_required
@require_POST
def assign(request: HttpRequest, number: str) -> HttpResponse:
    """Hand the case to another member of its unit, or back to the pool, with the reason."""
    employee = _staff(request)
    case = selectors.get_case_for_user(request.user, number)
    if employee is None or case.unit_id is None or not selectors.may_assign(request.user, case):
        raise PermissionDenied
    form = AssignForm(request.POST, case=case)
    if not form.is_valid():
        return _render_detail(
            request, employee, case, error=FORM_ERROR, assign_form=form, status=400
        )
    to = form.cleaned_data["to"]
    try:
        services.assign_case(case, to, employee=employee, reason=form.cleaned_data["reason"])
    except errors.CaseError as error:
        _mark(form, error)
        return _render_detail(
            request, employee, case, error=error.message, assign_form=form, status=error.status
        )
    return _done(request, case, "assign" if to else "pool")


@login_required
@require_POST
def note(request: HttpRequest, number: str) -> HttpResponse:
    """An internal note in the case's trail."""
    employee = _staff(request)
    case = selectors.get_case_for_user(request.user, number)
    if employee is None or not selectors.may_attach(request.user, case):
        raise PermissionDenied
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, employee, case, error=FORM_ERROR, note_form=form, status=400)
    try:
        services.add_note(case, employee=employee, note=form.cleaned_data["note"])
    except errors.CaseError as error:
        _mark(form, error)
        return _render_detail(
            request, employee, case, error=error.message, note_form=form, status=error.status
        )
    return _done(request, case, "note")


@login_required
@require_POST
def attach(request: HttpRequest, number: str) -> HttpResponse:
    """Attach a scan, a decision or a letter: a PDF or an image within the office's limit."""
    employee = _staff(request)
    case = selectors.get_case_for_user(request.user, number)
    if employee is None or not selectors.may_attach(request.user, case):
        raise PermissionDenied
    form = AttachForm(request.POST, request.FILES, limit_mb=_limit_mb(case))
    if not form.is_valid():
        return _render_detail(
            request, employee, case, error=FORM_ERROR, attach_form=form, status=400
        )
    try:
        services.attach_file(
            case, form.cleaned_data["file"], kind=form.cleaned_data["kind"], employee=employee
        )
    except errors.CaseError as error:
        _mark(form, error, field="file")
        return _render_detail(
            request, employee, case, error=error.message, attach_form=form, status=error.status
        )
    return _done(request, case, "attach")


@login_required
@require_GET
def download(request: HttpRequest, number: str, file_id: int) -> FileResponse:
    """A file of a case, to whoever may see the case; always a download, never shown inline."""
    _staff(request)
    case = selectors.get_case_for_user(request.user, number)
    attachment = case.files.filter(pk=file_id).first()
    if attachment is None:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Scans carry personal data: no shared cache keeps them.
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns: list[URLPattern] = [
    path("staff/cases/", work, name="work"),
    path("staff/cases/<str:number>/", detail, name="detail"),
    path("staff/cases/<str:number>/transition/", transition, name="transition"),
    path("staff/cases/<str:number>/take/", take, name="take"),
    path("staff/cases/<str:number>/assign/", assign, name="assign"),
    path("staff/cases/<str:number>/note/", note, name="note"),
    path("staff/cases/<str:number>/files/", attach, name="attach"),
    path("staff/cases/<str:number>/files/<int:file_id>/", download, name="file"),
]


# --- access --------------------------------------------------------------------------------------


def _staff(request: HttpRequest) -> Employee | None:
    """The signed-in employee (None for a superuser without an employee record); others get 403."""
    user = request.user
    employee = getattr(user, "employee", None)
    if not user.is_active or (employee is None and not user.is_superuser):
        raise PermissionDenied
    return employee


def _offices(request: HttpRequest, employee: Employee | None) -> QuerySet[Office]:
    """The offices the office filter offers: those whose cases the person may see."""
    if employee is not None and employee.role == Role.BACK_OFFICE:
        # A unit may serve offices the clerk is not listed in: the cases say which.
        visible = selectors.visible_cases(request.user).values("office")
        return Office.objects.filter(pk__in=visible).order_by("slug")
    return visible_offices(request.user).order_by("slug")


def _lists_for(employee: Employee | None) -> list[str]:
    """The work lists worth a tab: "mine" and "pool" only for people in a back-office unit."""
    in_unit = employee is not None and (
        employee.role == Role.BACK_OFFICE or bool(selectors.unit_ids(employee))
    )
    return [name for name in selectors.WORK_LISTS if in_unit or name not in ("mine", "pool")]


def _default_list(employee: Employee | None, names: list[str], counts: dict[str, int]) -> str:
    role = employee.role if employee is not None else Role.ADMINISTRATOR
    preferred = [name for name in DEFAULT_LISTS.get(role, ("open",)) if name in names]
    if employee is not None and role != Role.BACK_OFFICE and "mine" in names:
        preferred.insert(0, "mine")  # a head who also heads a unit still has their own cases
    for name in preferred:
        if counts.get(name):
            return name
    return preferred[0] if preferred else names[0]


# --- reads ---------------------------------------------------------------------------------------


def _render_detail(
    request: HttpRequest,
    employee: Employee | None,
    case: Case,
    *,
    error: Any = None,
    step_form: tuple[str, StepForm] | None = None,
    assign_form: AssignForm | None = None,
    attach_form: AttachForm | None = None,
    note_form: NoteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    # Read afresh: a refused action may have found the case changed by somebody else.
    case = selectors.get_case_for_user(user, case.number)
    steps = []
    for step in selectors.allowed_steps(user, case):
        form = StepForm(None, case=case, step=step)
        if step_form is not None and step_form[0] == step:
            form = step_form[1]
        button = STEP_BUTTONS[step]
        if step == Status.IN_PROGRESS and case.status in (
            Status.WAITING_APPLICANT,
            Status.WAITING_AGENCY,
        ):
            button = _("Resume work")
        steps.append(Step(step, str(Status(step).label), str(button), form))
    may_attach = selectors.may_attach(user, case)
    may_assign = employee is not None and selectors.may_assign(user, case) and case.unit_id
    rules = services.case_rules(case.service)
    context = {
        "case": case,
        "office": case.office,
        "row": Row(case, selectors.clock(case)),
        "responsible": selectors.responsible(case),
        "identifier_label": tr(rules.identifier_label) or _("Identifier"),
        "documents": list(case.documents.all()),
        "files": list(case.files.select_related("uploaded_by__user")),
        "pauses": list(case.pauses.all()),
        "trail": _trail(case),
        "steps": steps,
        "refusal_grounds": case.service.refusal_grounds,
        "can_take": employee is not None and selectors.may_take(user, case),
        "can_print_receipt": selectors.may_register(user),
        "assign_form": (assign_form or AssignForm(None, case=case)) if may_assign else None,
        "attach_form": (
            (attach_form or AttachForm(limit_mb=_limit_mb(case))) if may_attach else None
        ),
        "note_form": (note_form or NoteForm()) if may_attach and employee else None,
        "error": error,
    }
    with timezone.override(case.office.zone):
        return render(request, "cases/detail.html", context, status=status)


def _rows(cases: Any, now: dt.datetime) -> list[Row]:
    calendars: dict[int, WorkingCalendar] = {}
    rows = []
    for case in cases:
        if case.office_id not in calendars:
            calendars[case.office_id] = WorkingCalendar(case.office)
        rows.append(Row(case, selectors.clock(case, calendar=calendars[case.office_id], now=now)))
    return rows


def _tab(name: str, count: int, query: QueryDict, which: str) -> Tab:
    tab_query = query.copy()
    tab_query["list"] = name
    return Tab(name, str(LIST_LABELS[name]), count, tab_query.urlencode(), name == which)


def _trail(case: Case) -> list[TrailEntry]:
    """Every event in words: who, when, what, and why."""
    events = list(selectors.trail(case))
    people: set[int] = set()
    units: set[int] = set()
    for event in events:
        detail = event.detail or {}
        for key in ("to", "from", "assignee"):
            if isinstance(detail.get(key), int):
                people.add(detail[key])
        if isinstance(detail.get("unit"), int):
            units.add(detail["unit"])
    names = {e.pk: str(e) for e in Employee.objects.filter(pk__in=people).select_related("user")}
    unit_names = {u.pk: str(u) for u in ProviderUnit.objects.filter(pk__in=units)}
    files = {f.pk: f for f in case.files.all()}
    return [
        TrailEntry(
            event,
            str(Action(event.action).label) if event.action in Action.values else event.action,
            _describe(event, names, unit_names, files),
        )
        for event in events
    ]


def _describe(
    event: CaseEvent, names: dict[int, str], units: dict[int, str], files: dict[int, CaseFile]
) -> list[str]:
    detail = event.detail or {}
    if event.action == Action.REGISTERED:
        return _describe_registration(detail, names, units)
    if event.action == Action.TRANSITION:
        return _describe_transition(event, detail)
    if event.action == Action.ASSIGNED:
        pool = str(_("the unit's pool"))
        lines = [
            str(
                _("From %(from)s to %(to)s")
                % {
                    "from": names.get(detail.get("from"), pool),
                    "to": names.get(detail.get("to"), pool),
                }
            )
        ]
        if detail.get("reason"):
            lines.append(str(_("Reason: %(reason)s") % {"reason": detail["reason"]}))
        return lines
    if event.action == Action.TAKEN:
        return [str(_("Taken by %(name)s") % {"name": names.get(detail.get("to"), "—")})]
    if event.action == Action.FILE:
        attachment = files.get(detail.get("file"))
        kind = (
            CaseFile.Kind(detail["kind"]).label
            if detail.get("kind") in CaseFile.Kind.values
            else ""
        )
        return [
            str(
                _("%(name)s (%(kind)s, %(size)s)")
                % {
                    "name": attachment.name if attachment else "—",
                    "kind": kind,
                    "size": filesizeformat(detail.get("size") or 0),
                }
            )
        ]
    if event.action == Action.ALERTED:
        if detail.get("which") == "overdue":
            return [str(_("The deadline has passed; the people responsible were told."))]
        return [str(_("The deadline is near; the people responsible were told."))]
    if event.action == Action.NOTE:
        return [str(detail.get("note", ""))]
    return []


def _describe_registration(
    detail: dict[str, Any], names: dict[int, str], units: dict[int, str]
) -> list[str]:
    channels = dict(Case.Channel.choices)
    lines = [str(_("Received %(channel)s") % {"channel": channels.get(detail.get("channel"), "")})]
    count = detail.get("documents") or 0
    lines.append(
        ngettext("%(count)s document received", "%(count)s documents received", count)
        % {"count": count}
    )
    if detail.get("missing"):
        lines.append(
            str(
                _("Accepted without %(documents)s because: %(reason)s")
                % {"documents": ", ".join(detail["missing"]), "reason": detail.get("reason", "")}
            )
        )
    if detail.get("ticket"):
        lines.append(str(_("Visit ticket %(ticket)s") % {"ticket": detail["ticket"]}))
    if detail.get("unit") in units:
        lines.append(str(_("Routed to %(unit)s") % {"unit": units[detail["unit"]]}))
    else:
        lines.append(str(_("No routing rule: the application stays at the front office.")))
    if detail.get("assignee") in names:
        lines.append(str(_("Responsible: %(name)s") % {"name": names[detail["assignee"]]}))
    return lines


def _describe_transition(event: CaseEvent, detail: dict[str, Any]) -> list[str]:
    labels = dict(Status.choices)
    lines = []
    if event.from_status:
        lines.append(
            str(
                _("From “%(from)s” to “%(to)s”")
                % {
                    "from": labels.get(event.from_status, event.from_status),
                    "to": labels.get(event.to_status, event.to_status),
                }
            )
        )
    decision = detail.get("decision")
    if decision:
        decisions = dict(Case.Decision.choices)
        lines.append(str(_("Decision: %(decision)s") % {"decision": decisions.get(decision, "")}))
        if detail.get("on_time") is False:
            lines.append(str(_("Decided after the deadline.")))
    reason = detail.get("reason")
    if reason:
        if event.to_status in (Status.WAITING_APPLICANT, Status.WAITING_AGENCY):
            lines.append(str(_("Waiting for: %(reason)s") % {"reason": reason}))
        elif decision == Case.Decision.REFUSED:
            lines.append(str(_("Grounds: %(reason)s") % {"reason": reason}))
        else:
            lines.append(str(_("Reason: %(reason)s") % {"reason": reason}))
    if detail.get("window"):
        lines.append(str(_("Handed out at window %(window)s") % {"window": detail["window"]}))
    if detail.get("delivery"):
        deliveries = dict(Case.Delivery.choices)
        lines.append(
            str(
                _("Result delivered %(delivery)s")
                % {"delivery": deliveries.get(detail["delivery"], "")}
            )
        )
    new_deadline = parse_date(str(detail.get("deadline") or ""))
    if new_deadline is not None:
        lines.append(
            str(_("Deadline now %(date)s") % {"date": date_format(new_deadline, "DATE_FORMAT")})
        )
    return lines


# --- helpers -------------------------------------------------------------------------------------


def _done(request: HttpRequest, case: Case, action: str) -> HttpResponse:
    messages.success(request, DONE[action])
    return redirect(reverse("cases:detail", kwargs={"number": case.number}))


def _mark(form: forms.Form, error: errors.CaseError, *, field: str | None = None) -> None:
    """Put a domain error next to the field it is about (the page shows it on top as well)."""
    if field is None:
        field = {
            errors.ReasonRequired: "reason" if "reason" in form.fields else "note",
            errors.GroundsRequired: "reason",
            errors.DecisionRequired: "decision",
            errors.NotInUnit: "to",
        }.get(type(error))
    if field in form.fields:
        form.add_error(field, str(error.message))


def _limit_mb(case: Case) -> int:
    return services.case_settings(case.office).max_file_mb


def _service_label(service: Service) -> str:
    return f"{service.code} · {tr(service.name)}"
