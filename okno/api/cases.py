"""Case endpoints: registering an application, the work lists, a case and its next step for
staff, and a case's status for its applicant by the secret code on the receipt.

Staff (Bearer token, `okno token USERNAME`, or a staff session) see the cases
`okno.cases.selectors.visible_cases` gives them: the front office and heads their offices', the
back office their units' and their own, analysts and administrators all. A case out of scope is
404, as if it did not exist. Only operators, heads and administrators register applications, at
their own offices; a step the caller's role may not take is 403, a step the status table does
not allow from the case's status 409.

`GET /case-status/{code}` needs no account: the code printed on the receipt is the secret. It
answers what the citizen's status page shows — status, deadline, who answers for the case — with
no personal data and no staff notes, and is limited per client address.

Every write goes through `okno.cases.services`; its domain errors come back as `{"message":
...}` with the error's status and extras (`missing_documents`, `fields`), translated
(`Accept-Language` or `?lang=`).

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

import datetime as dt
from typing import Any, Literal

from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest
from django.utils import timezone, translation
from ninja import Field, Path, Query, Router, Schema, Status

from okno.api.auth import NotStaff, staff_auth
from okno.api.catalog import Language, LanguageQuery
from okno.api.errors import answers_domain_errors, requested_language
from okno.api.queueing import QueueErrorOut, QueueInvalidOut
from okno.cases import errors, selectors, services
from okno.cases.models import Case, CaseEvent
from okno.catalog.models import Office, Service, ServicePoint
from okno.core import ratelimit
from okno.core.calendar import WorkingCalendar
from okno.core.i18n import tr
from okno.core.scoping import visible_office_ids
from okno.notifications.contact import mask
from okno.queueing.models import Ticket
from okno.staff.models import Employee, Role

router = Router(tags=["cases"])

#: Rows per page of a work list.
PAGE_SIZE = 50
#: Status look-ups one client address may make in ten minutes: a family checks a few cases; a
#: script walking through codes hits the limit at once.
LOOKUPS_PER_ADDRESS = 60
WINDOW_SECONDS = 600
#: Roles that take applications in (the back office decides them, analysts only read).
REGISTERING_ROLES = frozenset({Role.OPERATOR, Role.HEAD, Role.ADMINISTRATOR})

#: Ids are bigints: anything larger is refused before the database sees it.
MAX_ID = 2**63 - 1
#: Text without control characters (line breaks and tabs allowed): PostgreSQL refuses NUL.
PLAIN_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
#: One line of text: no control characters at all.
ONE_LINE = r"^[^\x00-\x1f\x7f]*$"

Id = Field(ge=1, le=MAX_ID)
CaseNumber = Path[
    str,
    {
        "min_length": 1,
        "max_length": 40,
        "pattern": r"^[A-Za-z0-9_-]+$",
        "description": "The case number, as on the receipt (case ignored).",
        "examples": ["KYIV-CENTRE-2026-00001"],
    },
]
CaseCode = Path[
    str,
    {
        "min_length": 1,
        "max_length": 16,
        "pattern": r"^[A-Za-z0-9]+$",
        "description": "The applicant's secret code printed on the receipt (case ignored).",
        "examples": ["K7M2QX9PZA"],
    },
]
StatusName = Literal[
    "registered",
    "sent",
    "in_progress",
    "waiting_applicant",
    "waiting_agency",
    "decided",
    "ready",
    "issued",
    "closed",
    "withdrawn",
]
WorkListName = Literal["mine", "pool", "due_soon", "overdue", "open", "all"]
DocumentForm = Literal["original", "copy", "original_and_copy", "electronic"]


# --- schemas ------------------------------------------------------------------------------------


class CaseInvalidOut(QueueInvalidOut):
    missing_documents: list[str] = Field(
        [], description="The mandatory documents not received (register without a reason)."
    )
    fields: dict[str, str] = Field(
        {}, description="What is wrong with the applicant's details, per field."
    )


#: Every status a case endpoint may answer with besides success: a status missing here would turn
#: a domain error into a 500.
ERRORS: dict[int, type[Schema]] = {
    400: CaseInvalidOut,
    401: QueueErrorOut,
    403: QueueErrorOut,
    404: QueueErrorOut,
    409: QueueErrorOut,
    422: QueueInvalidOut,
    429: QueueErrorOut,
}


class ReceivedDocumentIn(Schema):
    document_id: int = Field(
        ..., ge=1, le=MAX_ID, description="A document of the service passport's checklist."
    )
    form: DocumentForm = Field(..., description="What was handed in.")


class ApplicantIn(Schema):
    name: str = Field("", max_length=200, pattern=ONE_LINE)
    contact: str = Field(
        "",
        max_length=254,
        pattern=ONE_LINE,
        description="A mobile phone number or an e-mail address, for messages about the case.",
    )
    identifier: str = Field(
        "", max_length=64, pattern=ONE_LINE, description="When the service asks for one."
    )


class CaseIn(Schema):
    service_id: int = Id
    office_id: int = Id
    ticket_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="The queue visit the application was taken at."
    )
    channel: Literal["in_person", "post", "online"] | None = Field(
        None, description="How the application came in; `in_person` by default."
    )
    language: Language | None = Field(
        None, description="The applicant's language for messages; the office's by default."
    )
    send: bool = Field(
        True, description="Hand the case on to its back-office unit at once (when routed)."
    )
    documents_received: list[ReceivedDocumentIn] = Field([], max_length=200)
    applicant: ApplicantIn = Field(default_factory=ApplicantIn)
    missing_documents_reason: str = Field(
        "",
        max_length=500,
        pattern=PLAIN_TEXT,
        description="Why the application is accepted without a mandatory document.",
    )


class TransitionIn(Schema):
    to: StatusName = Field(..., description="The next status (see `allowed_steps`).")
    reason: str = Field(
        "",
        max_length=5000,
        pattern=PLAIN_TEXT,
        description="Required to wait (what is awaited), to withdraw, and for a refusal (its "
        "grounds).",
    )
    decision: Literal["granted", "refused"] | None = Field(None, description="With `decided`.")
    delivery: Literal["at_centre", "post", "electronic"] | None = Field(
        None, description="With `issued`: how the result went out (`at_centre` by default)."
    )
    pickup_point_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="With `ready`: the window handing the result out."
    )


class WorkListQuery(LanguageQuery):
    list: WorkListName = Field(
        "open",
        description="`mine`: open cases assigned to me; `pool`: open cases of my units nobody "
        "has taken; `due_soon`: due within the office's alert lead; `overdue`: past the "
        "deadline and not paused; `open`; `all` (newest first).",
    )
    service_id: int | None = Field(None, ge=1, le=MAX_ID)
    status: StatusName | None = None
    office_id: int | None = Field(None, ge=1, le=MAX_ID)
    page: int = Field(1, ge=1, le=10_000, description=f"{PAGE_SIZE} cases a page.")


class OfficeRefOut(Schema):
    id: int
    slug: str
    name: str


class ServiceRefOut(Schema):
    id: int
    code: str
    name: str


class UnitRefOut(Schema):
    id: int
    name: str


class ApplicantOut(Schema):
    name: str
    identifier: str
    contact: str = Field(description="Masked: only a hint of the phone number or e-mail.")


class ReceivedDocumentOut(Schema):
    document_id: int | None
    name: str
    form: str


class EventOut(Schema):
    action: str
    action_label: str
    from_status: str
    to_status: str
    at: dt.datetime
    employee: str | None = Field(description="Who did it (none: the system).")
    reason: str = Field(description="The reason given with a step or a reassignment.")
    note: str = Field(description="A staff note (staff only, never shown to the applicant).")


class CaseOut(Schema):
    number: str
    code: str = Field(description="The applicant's secret code, as printed on the receipt.")
    status_url: str = Field(description="The applicant's status page (the receipt's QR code).")
    status: str
    status_label: str
    decision: str
    decision_label: str
    channel: str
    language: str
    office: OfficeRefOut
    service: ServiceRefOut
    unit: UnitRefOut | None
    assignee: str | None = Field(description="The responsible employee; none: the unit's pool.")
    deadline: dt.date
    days_left: int = Field(description="In the term's unit; 0 on the day, negative when past.")
    term_unit: str
    paused: bool
    paused_on: dt.date | None
    overdue: bool
    waiting_for: str
    registered_at: dt.datetime
    registered_by: str | None
    ticket: str | None = Field(description="The label of the queue visit, if any.")
    applicant: ApplicantOut
    missing_documents_reason: str
    documents_received: list[ReceivedDocumentOut]
    decided_at: dt.datetime | None
    ready_at: dt.datetime | None
    issued_at: dt.datetime | None
    closed_at: dt.datetime | None
    delivery: str
    pickup_point: str | None
    allowed_steps: list[str] = Field(description="The statuses you may move the case to now.")
    history: list[EventOut]


class CaseRowOut(Schema):
    number: str
    status: str
    status_label: str
    office: OfficeRefOut
    service: ServiceRefOut
    unit: UnitRefOut | None
    assignee: str | None
    applicant_name: str
    deadline: dt.date
    days_left: int
    paused: bool
    overdue: bool
    registered_at: dt.datetime


class WorkListOut(Schema):
    list: str
    page: int
    page_size: int
    has_next: bool
    items: list[CaseRowOut]


class ResponsibleOut(Schema):
    name: str
    role: str


class PublicOfficeOut(Schema):
    name: str
    address: str


class PublicServiceOut(Schema):
    code: str
    name: str


class StatusChangeOut(Schema):
    at: dt.datetime
    status: str
    label: str


class CaseStatusOut(Schema):
    number: str
    status: str
    status_label: str
    deadline: dt.date
    days_left: int
    term_unit: str
    paused: bool = Field(description="The term is paused while the case waits.")
    overdue: bool
    done: bool = Field(description="The decision is no longer owed.")
    responsible: ResponsibleOut = Field(description="Who answers for the case now.")
    office: PublicOfficeOut
    service: PublicServiceOut
    history: list[StatusChangeOut]


# --- staff --------------------------------------------------------------------------------------


@router.post(
    "/cases",
    auth=staff_auth,
    response={201: CaseOut, **ERRORS},
    summary="Register an application with the documents received",
    description=(
        "Operators, heads and administrators, at one of their offices (another office: 404). "
        "A mandatory document missing without `missing_documents_reason`: 400 with "
        "`missing_documents`; the applicant's details the service requires missing or a "
        "contact that cannot receive messages: 400 with `fields`. The case is numbered, routed "
        "to its back-office unit and, with `send` (the default), sent on at once; its deadline "
        "is the service's statutory term on the office's calendar."
    ),
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "example": {
                        "service_id": 7,
                        "office_id": 1,
                        "ticket_id": 1201,
                        "documents_received": [
                            {"document_id": 31, "form": "original"},
                            {"document_id": 32, "form": "original_and_copy"},
                        ],
                        "applicant": {"name": "Iryna Koval", "contact": "+380501234567"},
                    }
                }
            }
        }
    },
)
@answers_domain_errors
def register(request: HttpRequest, payload: CaseIn, filters: Query[LanguageQuery]):
    employee = _staff(request)
    if employee is not None and employee.role not in REGISTERING_ROLES:
        raise errors.MayNotRegister()
    office = _office_in_scope(request, payload.office_id)
    service = Service.objects.filter(pk=payload.service_id).first()
    if service is None:
        raise errors.ServiceNotOffered()
    ticket = None
    if payload.ticket_id is not None:
        ticket = Ticket.objects.filter(pk=payload.ticket_id, office=office).first()
        if ticket is None:
            raise errors.UnknownVisit()
    # Missing documents are named in the language the answer is given in.
    with translation.override(requested_language(request)):
        case = services.register_case(
            office,
            service,
            employee=employee,
            documents={d.document_id: d.form for d in payload.documents_received},
            applicant_name=payload.applicant.name,
            contact=payload.applicant.contact,
            identifier=payload.applicant.identifier,
            missing_reason=payload.missing_documents_reason,
            ticket=ticket,
            channel=payload.channel or Case.Channel.IN_PERSON,
            # The staff client's language is not the applicant's.
            language=payload.language or office.default_language,
            send=payload.send,
        )
    case = selectors.get_case_for_user(request.user, case.number)
    return Status(201, _case_answer(request, case, filters))


@router.get(
    "/cases",
    auth=staff_auth,
    response={200: WorkListOut, **ERRORS},
    summary="A work list: my cases, the pool, due soon, overdue, open, all",
    description=(
        f"The cases you may see, {PAGE_SIZE} a page, most urgent first (by deadline; `all` "
        "newest first). `office_id`, `service_id` and `status` narrow the list."
    ),
)
@answers_domain_errors
def work_list(request: HttpRequest, filters: Query[WorkListQuery]):
    _staff(request)
    office = None
    if filters.office_id is not None:
        office = Office.objects.filter(pk=filters.office_id).first()
        if office is None:
            raise Http404
    cases = selectors.work_list(
        request.user,
        filters.list,
        office=office,
        service_id=filters.service_id,
        status=filters.status or "",
    )
    first = (filters.page - 1) * PAGE_SIZE
    # One row more than the page tells whether there is a next page without counting them all.
    rows = list(cases[first : first + PAGE_SIZE + 1])
    # Days left are counted on each office's calendar: two queries for the page, not two a row.
    prefetch_related_objects(rows, "office__calendar_exceptions", "office__opening_hours")
    calendars: dict[int, WorkingCalendar] = {}
    now = timezone.now()
    with translation.override(filters.lang or translation.get_language()):
        return {
            "list": filters.list,
            "page": filters.page,
            "page_size": PAGE_SIZE,
            "has_next": len(rows) > PAGE_SIZE,
            "items": [_row(case, calendars, now) for case in rows[:PAGE_SIZE]],
        }


@router.get(
    "/cases/{number}",
    auth=staff_auth,
    response={200: CaseOut, **ERRORS},
    summary="A case: its status, deadline, documents, the steps you may take and its history",
    description=(
        "404 for a case out of your scope. The applicant's contact is masked; the history "
        "includes staff notes."
    ),
)
@answers_domain_errors
def case_detail(request: HttpRequest, number: CaseNumber, filters: Query[LanguageQuery]):
    _staff(request)
    case = selectors.get_case_for_user(request.user, number)
    return _case_answer(request, case, filters)


@router.post(
    "/cases/{number}/transition",
    auth=staff_auth,
    response={200: CaseOut, **ERRORS},
    summary="Move a case to its next status",
    description=(
        "`to` must be one of the case's `allowed_steps`: a step your role does not take is 403, "
        "a step the status table does not allow from the current status (or that somebody took "
        "first) 409. Waiting, withdrawing and refusing need `reason` (400 without); `decided` "
        "needs `decision`. The applicant is told of the steps that concern them."
    ),
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "example": {"to": "waiting_applicant", "reason": "A photo 3.5×4.5 cm"}
                }
            }
        }
    },
)
@answers_domain_errors
def transition(
    request: HttpRequest, number: CaseNumber, payload: TransitionIn, filters: Query[LanguageQuery]
):
    employee = _staff(request)
    case = selectors.get_case_for_user(request.user, number)
    if payload.to in services.TRANSITIONS[case.status] and payload.to not in (
        selectors.allowed_steps(request.user, case)
    ):
        raise errors.StepNotYours()
    pickup_point = None
    if payload.pickup_point_id is not None:
        pickup_point = ServicePoint.objects.filter(
            pk=payload.pickup_point_id, office_id=case.office_id
        ).first()
        if pickup_point is None:
            raise errors.UnknownServicePoint()
    case = services.transition(
        case,
        payload.to,
        employee=employee,
        reason=payload.reason,
        decision=payload.decision or "",
        delivery=payload.delivery or "",
        pickup_point=pickup_point,
    )
    return _case_answer(request, case, filters)


# --- public -------------------------------------------------------------------------------------


@router.get(
    "/case-status/{code}",
    response={200: CaseStatusOut, 404: QueueErrorOut, 422: QueueInvalidOut, 429: QueueErrorOut},
    summary="An application's status for its applicant, by the code on the receipt",
    description=(
        "No account needed: the code is the secret. Status, deadline (paused while the case "
        "waits), who answers for it, and the history of its statuses; no personal data. "
        f"At most {LOOKUPS_PER_ADDRESS} look-ups per client address in "
        f"{WINDOW_SECONDS // 60} minutes."
    ),
)
@answers_domain_errors
def case_status(request: HttpRequest, code: CaseCode, filters: Query[LanguageQuery]):
    if ratelimit.exceeded(
        "api-case-status",
        ratelimit.client_address(request),
        limit=LOOKUPS_PER_ADDRESS,
        window_seconds=WINDOW_SECONDS,
    ):
        raise errors.TooManyLookups()
    case = services.case_by_code(code)
    changes = case.events.exclude(to_status="").order_by("at", "pk").values_list("at", "to_status")
    with translation.override(filters.lang or translation.get_language()):
        clock = selectors.clock(case)
        name, role = selectors.responsible(case)
        language = translation.get_language()
        office = case.office
        return {
            "number": case.number,
            "status": case.status,
            "status_label": str(Case.Status(case.status).label),
            "deadline": clock.deadline,
            "days_left": clock.days_left,
            "term_unit": clock.unit,
            "paused": clock.paused,
            "overdue": clock.overdue,
            "done": clock.done,
            "responsible": {"name": name, "role": str(role)},
            "office": {
                "name": tr(office.name, language, office.default_language),
                "address": tr(office.address, language, office.default_language),
            },
            "service": {"code": case.service.code, "name": tr(case.service.name)},
            "history": [
                {"at": at, "status": status, "label": str(Case.Status(status).label)}
                for at, status in changes
            ],
        }


# --- helpers ------------------------------------------------------------------------------------


def _staff(request: HttpRequest) -> Employee | None:
    """The employee calling; None for a superuser without an employee profile, who sees all."""
    employee = getattr(request.user, "employee", None)
    if employee is None and not request.user.is_superuser:
        raise NotStaff()
    return employee


def _office_in_scope(request: HttpRequest, office_id: int) -> Office:
    office_ids = visible_office_ids(request.user)
    office = Office.objects.filter(pk=office_id, is_active=True).first()
    if office is None or (office_ids is not None and office.pk not in office_ids):
        raise Http404
    return office


def _case_answer(request: HttpRequest, case: Case, filters: LanguageQuery) -> dict[str, Any]:
    office = case.office
    with translation.override(filters.lang or translation.get_language()):
        clock = selectors.clock(case)
        return {
            "number": case.number,
            "code": case.code,
            "status_url": services.status_url(case),
            "status": case.status,
            "status_label": str(Case.Status(case.status).label),
            "decision": case.decision,
            "decision_label": str(Case.Decision(case.decision).label) if case.decision else "",
            "channel": case.channel,
            "language": case.language,
            "office": _office(office),
            "service": _service(case.service),
            "unit": _unit(case),
            "assignee": str(case.assignee) if case.assignee_id else None,
            "deadline": clock.deadline,
            "days_left": clock.days_left,
            "term_unit": clock.unit,
            "paused": clock.paused,
            "paused_on": case.paused_on,
            "overdue": clock.overdue,
            "waiting_for": case.waiting_for,
            "registered_at": case.registered_at,
            "registered_by": str(case.registered_by) if case.registered_by_id else None,
            "ticket": case.ticket.label if case.ticket_id else None,
            "applicant": {
                "name": case.applicant_name,
                "identifier": case.identifier,
                "contact": mask(case.contact) if case.contact else "",
            },
            "missing_documents_reason": case.missing_documents_reason,
            "documents_received": [
                {"document_id": d.document_id, "name": d.name, "form": d.form}
                for d in case.documents.all()
            ],
            "decided_at": case.decided_at,
            "ready_at": case.ready_at,
            "issued_at": case.issued_at,
            "closed_at": case.closed_at,
            "delivery": case.delivery,
            "pickup_point": str(case.pickup_point) if case.pickup_point_id else None,
            "allowed_steps": selectors.allowed_steps(request.user, case),
            "history": [_event(event) for event in selectors.trail(case)],
        }


def _row(case: Case, calendars: dict[int, WorkingCalendar], now: dt.datetime) -> dict[str, Any]:
    office = case.office
    if office.pk not in calendars:
        calendars[office.pk] = WorkingCalendar(office)
    clock = selectors.clock(case, calendar=calendars[office.pk], now=now)
    return {
        "number": case.number,
        "status": case.status,
        "status_label": str(Case.Status(case.status).label),
        "office": _office(office),
        "service": _service(case.service),
        "unit": _unit(case),
        "assignee": str(case.assignee) if case.assignee_id else None,
        "applicant_name": case.applicant_name,
        "deadline": clock.deadline,
        "days_left": clock.days_left,
        "paused": clock.paused,
        "overdue": clock.overdue,
        "registered_at": case.registered_at,
    }


def _event(event: CaseEvent) -> dict[str, Any]:
    detail = event.detail if isinstance(event.detail, dict) else {}
    return {
        "action": event.action,
        "action_label": str(CaseEvent.Action(event.action).label),
        "from_status": event.from_status,
        "to_status": event.to_status,
        "at": event.at,
        "employee": str(event.employee) if event.employee_id else None,
        "reason": str(detail.get("reason", "")),
        "note": str(detail.get("note", "")),
    }


def _office(office: Office) -> dict[str, Any]:
    return {"id": office.pk, "slug": office.slug, "name": tr(office.name, office.default_language)}


def _service(service: Service) -> dict[str, Any]:
    return {"id": service.pk, "code": service.code, "name": tr(service.name)}


def _unit(case: Case) -> dict[str, Any] | None:
    if case.unit_id is None:
        return None
    return {"id": case.unit_id, "name": tr(case.unit.name)}
