"""Every change to an application: registration, routing, the status pipeline, files, alerts.

Statuses follow one table (`TRANSITIONS`); `transition()` applies a row of it as a conditional
update, so two people acting on the same case at once never both succeed, and writes a
`CaseEvent` with the actor, the time and the reason. The deadline is `okno.core.deadlines`'
rule: the service's statutory term on the office's working-day calendar, from registration,
paused (per the service's rules) while the case waits for the applicant or another agency.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from okno.cases import errors
from okno.cases.models import (
    OPEN_STATUSES,
    WAITING_STATUSES,
    Case,
    CaseCounter,
    CaseEvent,
    CaseFile,
    CasePause,
    CaseRules,
    CaseSettings,
    ReceivedDocument,
    Routing,
)
from okno.catalog.models import Office, RequiredDocument, Service, ServicePoint
from okno.core import deadlines
from okno.core.calendar import WorkingCalendar
from okno.core.codes import readable_code
from okno.core.i18n import tr
from okno.notifications.contact import Contact, normalise_contact
from okno.notifications.services import notify
from okno.queueing.models import Ticket
from okno.staff.models import Employee, Role

Status = Case.Status
Action = CaseEvent.Action

#: status -> the statuses a case may go to from it. The whole pipeline, in one place.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.REGISTERED: frozenset({Status.SENT, Status.IN_PROGRESS, Status.WITHDRAWN}),
    Status.SENT: frozenset({Status.IN_PROGRESS, Status.WITHDRAWN}),
    Status.IN_PROGRESS: frozenset(
        {Status.WAITING_APPLICANT, Status.WAITING_AGENCY, Status.DECIDED, Status.WITHDRAWN}
    ),
    Status.WAITING_APPLICANT: frozenset({Status.IN_PROGRESS, Status.WITHDRAWN}),
    Status.WAITING_AGENCY: frozenset({Status.IN_PROGRESS}),
    # A result that goes out by post or electronically skips "ready at the centre".
    Status.DECIDED: frozenset({Status.READY, Status.ISSUED}),
    Status.READY: frozenset({Status.ISSUED}),
    Status.ISSUED: frozenset({Status.CLOSED}),
    Status.CLOSED: frozenset(),
    Status.WITHDRAWN: frozenset(),
}
#: Steps whose reason is required (it is what the applicant or the audit needs to know).
REASON_REQUIRED = frozenset({Status.WAITING_APPLICANT, Status.WAITING_AGENCY, Status.WITHDRAWN})
#: Steps the applicant hears about, by the template the message is rendered from.
NOTIFIED = {
    Status.WAITING_APPLICANT: "waiting",
    Status.READY: "ready",
    Status.ISSUED: "issued",
    Status.WITHDRAWN: "withdrawn",
}

CODE_LENGTH = 10
ALLOWED_TYPES = {
    b"%PDF": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"II*\x00": "image/tiff",
    b"MM\x00*": "image/tiff",
}


# --- rules ---------------------------------------------------------------------------------------


def case_rules(service: Service) -> CaseRules:
    """The service's application rules, or the defaults (name required, contact optional)."""
    try:
        return service.case_rules
    except CaseRules.DoesNotExist:
        return CaseRules(service=service)


def case_settings(office: Office) -> CaseSettings:
    try:
        return office.case_settings
    except CaseSettings.DoesNotExist:
        return CaseSettings(office=office)


def pickup_service(case: Case) -> Service | None:
    """The queue a citizen joins to pick up a ready result: the office's service for handing out
    results, else the application's own service where the office serves it in person (its
    windows hand out what they took in), else none."""
    office = case.office
    configured = case_settings(office).pickup_service
    if configured is not None:
        return configured if configured.is_active else None
    own = case.service
    if own.is_active and own.in_person and own.offices.filter(pk=office.pk).exists():
        return own
    return None


def checklist(service: Service) -> list[RequiredDocument]:
    """The passport's documents the applicant hands in (those the centre obtains itself are not
    asked of them), in passport order."""
    return list(
        service.documents.filter(obtained_by=RequiredDocument.ObtainedBy.APPLICANT).order_by(
            "order", "pk"
        )
    )


def route(service: Service, office: Office) -> Routing | None:
    """The routing rule for the service at this office, else its rule for every office."""
    rules = Routing.objects.filter(service=service, unit__is_active=True).filter(
        Q(office=office) | Q(office__isnull=True)
    )
    return (
        rules.select_related("unit", "assignee__user")
        .order_by(F("office").asc(nulls_last=True))
        .first()
    )


def compute_deadline(case: Case, *, today: dt.date | None = None) -> dt.date:
    """The case's deadline by the rule, from its registration and its pauses."""
    office = case.office
    registered = case.registered_at.astimezone(office.zone).date()
    pauses = [(p.started_on, p.ended_on) for p in case.pauses.all()] if case.pk else []
    return deadlines.due_date(
        WorkingCalendar(office),
        registered,
        case.service.term_value,
        case.service.term_unit,
        pauses,
        today=today or local_today(office),
    )


def local_today(office: Office, now: dt.datetime | None = None) -> dt.date:
    return (now or timezone.now()).astimezone(office.zone).date()


# --- intake --------------------------------------------------------------------------------------


def register_case(
    office: Office,
    service: Service,
    *,
    employee: Employee | None,
    documents: Mapping[int, str],
    applicant_name: str = "",
    contact: str = "",
    identifier: str = "",
    missing_reason: str = "",
    ticket: Ticket | None = None,
    channel: str = Case.Channel.IN_PERSON,
    language: str | None = None,
    send: bool = True,
    intake_key: str | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Register an application with the documents received (document id -> form received as).

    Refuses an application missing a mandatory document unless `missing_reason` says why it is
    accepted all the same. With `send` (the default) a routed case goes straight on to its
    back-office unit, as when the administrator hands the file over at once.

    `intake_key` (one per form shown, or a client's own id) makes registering idempotent: with a
    key already used, the case registered with it is returned and nothing is written.
    """
    now = now or timezone.now()
    if intake_key:
        existing = Case.objects.filter(intake_key=intake_key[:64]).first()
        if existing is not None:
            return existing
    if not service.is_active or not service.offices.filter(pk=office.pk).exists():
        raise errors.ServiceNotOffered()
    if ticket is not None and ticket.office_id != office.pk:
        raise errors.InvalidInput(_("This visit belongs to another office."))
    if channel not in Case.Channel.values:
        raise errors.InvalidChoice()
    applicant = _applicant(office, service, applicant_name, contact, identifier)
    received = _received_documents(service, documents, missing_reason)
    routing = route(service, office)
    year = now.astimezone(office.zone).year
    try:
        with transaction.atomic():
            sequence = _next_sequence(office, year)
            case = Case(
                number=f"{office.slug.upper()[:24]}-{year}-{sequence:05d}",
                year=year,
                sequence=sequence,
                code=readable_code(CODE_LENGTH),
                office=office,
                service=service,
                ticket=ticket,
                channel=channel,
                language=language or translation.get_language() or office.default_language,
                missing_documents_reason=missing_reason.strip()[:500] if received.missing else "",
                unit=routing.unit if routing else None,
                assignee=_active(routing.assignee) if routing else None,
                registered_at=now,
                registered_by=employee,
                intake_key=intake_key[:64] if intake_key else None,
                deadline=now.astimezone(office.zone).date(),
                **applicant,
            )
            case.deadline = compute_deadline(case)
            case.save()
            with translation.override(case.language):  # the receipt is in the applicant's language
                ReceivedDocument.objects.bulk_create(
                    ReceivedDocument(case=case, document=doc, name=tr(doc.name), form=form, order=i)
                    for i, (doc, form) in enumerate(received.items)
                )
            _record(
                case,
                Action.REGISTERED,
                now,
                employee=employee,
                to_status=Status.REGISTERED,
                detail={
                    "channel": channel,
                    "documents": len(received.items),
                    "missing": received.missing,
                    "reason": case.missing_documents_reason,
                    "ticket": ticket.label if ticket else "",
                    "unit": case.unit_id,
                    "assignee": case.assignee_id,
                },
            )
            _notify(case, "registered")
    except IntegrityError:
        # The same form sent twice at once: the other request registered it.
        existing = Case.objects.filter(intake_key=intake_key).first() if intake_key else None
        if existing is None:
            raise
        return existing
    if send and case.unit_id:
        case = transition(case, Status.SENT, employee=employee, now=now)
    return case


# --- the pipeline --------------------------------------------------------------------------------


def transition(
    case: Case,
    to: str,
    *,
    employee: Employee | None,
    reason: str = "",
    decision: str = "",
    delivery: str = "",
    pickup_point: ServicePoint | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Move the case to `to` if the table allows it, with what that step needs:

    waiting steps need the reason (what is awaited); a decision needs `decision`, and a refusal
    its grounds (`reason`); withdrawing needs the reason; handing out says how (`delivery`).
    """
    now = now or timezone.now()
    if to not in Status.values:
        raise errors.TransitionNotAllowed()
    source = case.status
    if to not in TRANSITIONS[source]:
        raise errors.TransitionNotAllowed()
    reason = (reason or "").strip()
    if to in REASON_REQUIRED and not reason:
        raise errors.ReasonRequired()
    today = local_today(case.office, now)
    changes: dict[str, Any] = {"status": to}
    detail: dict[str, Any] = {}
    if reason:
        detail["reason"] = reason[:5000]
    if to == Status.IN_PROGRESS and case.assignee_id is None and employee is not None:
        changes["assignee"] = employee
    if to in WAITING_STATUSES:
        changes["waiting_for"] = reason[:500]
        if _pauses(case, to):
            changes["paused_on"] = today
    if source in WAITING_STATUSES:
        changes["waiting_for"] = ""
        changes["paused_on"] = None
    if to == Status.DECIDED:
        if decision not in Case.Decision.values:
            raise errors.DecisionRequired()
        if decision == Case.Decision.REFUSED and not reason:
            raise errors.GroundsRequired()
        changes.update(
            decision=decision,
            grounds=reason[:5000] if decision == Case.Decision.REFUSED else "",
            decided_at=now,
        )
        detail["decision"] = decision
        detail["on_time"] = today <= case.deadline
    if to == Status.READY:
        changes.update(ready_at=now, pickup_point=pickup_point, delivery=Case.Delivery.AT_CENTRE)
        if pickup_point is not None:
            if pickup_point.office_id != case.office_id:
                raise errors.InvalidInput(_("This service point belongs to another office."))
            detail["window"] = str(pickup_point)
    if to == Status.ISSUED:
        delivery = delivery or Case.Delivery.AT_CENTRE
        if delivery not in Case.Delivery.values:
            raise errors.InvalidChoice()
        changes.update(issued_at=now, delivery=delivery)
        detail["delivery"] = delivery
    if to in (Status.CLOSED, Status.WITHDRAWN):
        changes["closed_at"] = now
    with transaction.atomic():
        updated = Case.objects.filter(pk=case.pk, status=source).update(**changes, updated_at=now)
        if not updated:
            case.refresh_from_db()
            raise errors.TransitionNotAllowed()
        for field, value in changes.items():
            setattr(case, field, value)
        if source in WAITING_STATUSES:
            CasePause.objects.filter(case=case, ended_on__isnull=True).update(ended_on=today)
            case.deadline = compute_deadline(case, today=today)
            Case.objects.filter(pk=case.pk).update(deadline=case.deadline, alerted_before_at=None)
            detail["deadline"] = case.deadline.isoformat()
        if changes.get("paused_on"):
            CasePause.objects.create(case=case, started_on=today)
        _record(
            case,
            Action.TRANSITION,
            now,
            employee=employee,
            from_status=source,
            to_status=to,
            detail=detail,
        )
        if to in NOTIFIED:
            _notify(case, NOTIFIED[to], reason=reason)
        if to in (Status.CLOSED, Status.WITHDRAWN):
            if to == Status.CLOSED:
                _invite_rating(case)
            # The contact was only for messages about the case; none will follow.
            Case.objects.filter(pk=case.pk).update(contact="", contact_kind="")
            case.contact = case.contact_kind = ""
    return case


def take_case(case: Case, *, employee: Employee, now: dt.datetime | None = None) -> Case:
    """A member of the case's unit takes it from the pool (first come, first served)."""
    now = now or timezone.now()
    if not is_unit_member(employee, case):
        raise errors.NotInUnit()
    with transaction.atomic():
        taken = Case.objects.filter(
            pk=case.pk, assignee__isnull=True, status__in=OPEN_STATUSES
        ).update(assignee=employee, updated_at=now)
        if not taken:
            case.refresh_from_db()
            raise errors.AlreadyTaken()
        case.assignee = employee
        _record(case, Action.TAKEN, now, employee=employee, detail={"to": employee.pk})
    return case


def assign_case(
    case: Case,
    to: Employee | None,
    *,
    employee: Employee,
    reason: str,
    now: dt.datetime | None = None,
) -> Case:
    """Hand the case to another member of its unit (or back to the pool: `to=None`), with the
    reason, which stays in the audit trail."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise errors.ReasonRequired()
    if case.unit_id is None or (to is not None and not is_unit_member(to, case)):
        raise errors.NotInUnit()
    with transaction.atomic():
        updated = Case.objects.filter(
            pk=case.pk, status__in=OPEN_STATUSES, assignee=case.assignee_id
        ).update(assignee=to, updated_at=now)
        if not updated:
            case.refresh_from_db()
            raise errors.TransitionNotAllowed()
        previous = case.assignee_id
        case.assignee = to
        _record(
            case,
            Action.ASSIGNED,
            now,
            employee=employee,
            detail={"from": previous, "to": to.pk if to else None, "reason": reason[:500]},
        )
    return case


def attach_file(
    case: Case,
    uploaded: UploadedFile,
    *,
    kind: str,
    employee: Employee,
    now: dt.datetime | None = None,
) -> CaseFile:
    """Attach a scan or a decision: a PDF or an image, within the office's size limit."""
    now = now or timezone.now()
    if kind not in CaseFile.Kind.values:
        raise errors.InvalidFile()
    limit_mb = case_settings(case.office).max_file_mb
    if uploaded.size is None or uploaded.size > limit_mb * 1024 * 1024:
        raise errors.FileTooLarge(limit_mb)
    if not uploaded.size:
        raise errors.InvalidFile()
    content_type = _sniff(uploaded)
    name = (uploaded.name or "file").rsplit("/", 1)[-1][-200:]
    with transaction.atomic():
        attachment = CaseFile(
            case=case,
            kind=kind,
            name=name,
            content_type=content_type,
            size=uploaded.size,
            uploaded_at=now,
            uploaded_by=employee,
        )
        attachment.file.save(name, uploaded, save=False)
        attachment.save()
        _record(
            case,
            Action.FILE,
            now,
            employee=employee,
            detail={"file": attachment.pk, "kind": kind, "size": uploaded.size},
        )
    return attachment


def add_note(
    case: Case, *, employee: Employee, note: str, now: dt.datetime | None = None
) -> CaseEvent:
    note = (note or "").strip()
    if not note:
        raise errors.ReasonRequired()
    return _record(
        case, Action.NOTE, now or timezone.now(), employee=employee, detail={"note": note[:2000]}
    )


# --- alerts --------------------------------------------------------------------------------------


def send_deadline_alerts(now: dt.datetime | None = None) -> int:
    """Tell the assignee (or the unit's head, for a pool case) and the office's head a few working
    days before the deadline, and again once it has passed. Paused cases wait: their deadline
    moves. Each alert is claimed by a conditional update, so several workers send it once."""
    now = now or timezone.now()
    sent = 0
    calendars: dict[int, WorkingCalendar] = {}
    lead: dict[int, int] = {}
    due = (
        Case.objects.filter(
            status__in=OPEN_STATUSES, paused_on__isnull=True, alerted_overdue_at__isnull=True
        )
        .select_related("office", "service", "assignee__user", "unit__head__user")
        .order_by("deadline")
    )
    for case in due.iterator(chunk_size=500):
        office = case.office
        if office.pk not in calendars:
            calendars[office.pk] = WorkingCalendar(office)
            lead[office.pk] = case_settings(office).alert_working_days_before
        today = local_today(office, now)
        if today > case.deadline:
            field, which = "alerted_overdue_at", "overdue"
        elif (
            case.alerted_before_at is None
            and calendars[office.pk].working_days_between(today, case.deadline) <= lead[office.pk]
        ):
            field, which = "alerted_before_at", "soon"
        else:
            if today < case.deadline - dt.timedelta(days=60):
                break  # ordered by deadline: the rest are further off still
            continue
        claimed = Case.objects.filter(pk=case.pk, **{f"{field}__isnull": True}).update(
            **{field: now}
        )
        if not claimed:
            continue
        with transaction.atomic():
            _record(case, Action.ALERTED, now, detail={"which": which})
            for person in _alert_recipients(case):
                _alert(case, person, which)
        sent += 1
    return sent


def run_upkeep(now: dt.datetime) -> dict[str, int]:
    """Periodic case work, for the scheduler."""
    return {"deadline_alerts": send_deadline_alerts(now)}


# --- lookups used by pages and the API -----------------------------------------------------------


def case_by_code(code: str) -> Case:
    """The case a citizen's code opens (spaces and case ignored)."""
    normalised = "".join((code or "").split()).upper()
    if not normalised or len(normalised) > 12:
        raise errors.CaseNotFound()
    case = (
        Case.objects.select_related(
            "office", "service", "assignee__user", "unit__head__user", "pickup_point"
        )
        .filter(code=normalised)
        .first()
    )
    if case is None:
        raise errors.CaseNotFound()
    return case


def is_unit_member(employee: Employee, case: Case) -> bool:
    if case.unit_id is None:
        return False
    unit = case.unit
    return unit.head_id == employee.pk or unit.members.filter(pk=employee.pk).exists()


def status_url(case: Case) -> str:
    with translation.override(case.language):
        path = reverse("cases:status", kwargs={"code": case.code})
    return settings.OKNO_PUBLIC_URL.rstrip("/") + path


# --- helpers -------------------------------------------------------------------------------------


class _Received:
    def __init__(self, items: list[tuple[RequiredDocument, str]], missing: list[str]) -> None:
        self.items = items
        self.missing = missing


def _applicant(
    office: Office, service: Service, name: str, contact: str, identifier: str
) -> dict[str, str]:
    rules = case_rules(service)
    need = CaseRules.Need
    name, contact, identifier = (
        (name or "").strip(),
        (contact or "").strip(),
        (identifier or "").strip(),
    )
    problems: dict[str, Any] = {}
    for field, value, wanted, message in (
        ("applicant_name", name, rules.applicant_name, _("Give the applicant's name.")),
        (
            "contact",
            contact,
            rules.applicant_contact,
            _("Give a phone number or an e-mail address."),
        ),
        ("identifier", identifier, rules.identifier, _("Give the identifier this service needs.")),
    ):
        if wanted == need.REQUIRED and not value:
            problems[field] = message
    result = {
        # What the service does not ask for is not stored, even when typed.
        "applicant_name": name[:200] if rules.applicant_name != need.NO else "",
        "identifier": identifier[:64] if rules.identifier != need.NO else "",
        "contact": "",
        "contact_kind": "",
    }
    if contact and rules.applicant_contact != need.NO:
        try:
            address = normalise_contact(contact, country=office.country)
        except ValidationError as error:
            problems["contact"] = " ".join(error.messages)
        else:
            result.update(contact=address.value, contact_kind=address.kind)
    if problems:
        raise errors.InvalidApplicant(problems)
    return result


def _received_documents(
    service: Service, documents: Mapping[int, str], missing_reason: str
) -> _Received:
    by_id = {doc.pk: doc for doc in service.documents.all()}
    items: list[tuple[RequiredDocument, str]] = []
    for doc_id, form in documents.items():
        doc = by_id.get(int(doc_id))
        if doc is None:
            raise errors.InvalidInput(_("This document is not on the service's checklist."))
        if form not in RequiredDocument.Form.values:
            raise errors.InvalidChoice()
        items.append((doc, form))
    items.sort(key=lambda item: (item[0].order, item[0].pk))
    received_ids = {doc.pk for doc, _form in items}
    missing = [
        tr(doc.name) for doc in checklist(service) if doc.mandatory and doc.pk not in received_ids
    ]
    if missing and not (missing_reason or "").strip():
        raise errors.MissingDocuments(missing)
    return _Received(items, missing)


def _next_sequence(office: Office, year: int) -> int:
    counter, _created = CaseCounter.objects.get_or_create(office=office, year=year)
    CaseCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    return CaseCounter.objects.values_list("last", flat=True).get(pk=counter.pk)


def _active(employee: Employee | None) -> Employee | None:
    return employee if employee is not None and employee.user.is_active else None


def _pauses(case: Case, to: str) -> bool:
    rules = case_rules(case.service)
    if to == Status.WAITING_APPLICANT:
        return rules.pause_for_applicant
    return rules.pause_for_agency


def _sniff(uploaded: UploadedFile) -> str:
    uploaded.seek(0)
    head = uploaded.read(16)
    uploaded.seek(0)
    for magic, content_type in ALLOWED_TYPES.items():
        if head.startswith(magic):
            return content_type
    raise errors.FileTypeNotAllowed()


def _record(
    case: Case,
    action: str,
    now: dt.datetime,
    *,
    employee: Employee | None = None,
    from_status: str = "",
    to_status: str = "",
    detail: dict[str, Any] | None = None,
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        action=action,
        at=now,
        employee=employee,
        from_status=from_status,
        to_status=to_status,
        detail=detail or {},
    )


def _notify(case: Case, template: str, **extra: Any) -> None:
    if not case.contact:
        return
    notify(
        to=Contact(kind=case.contact_kind, value=case.contact),
        template=f"cases/notifications/{template}",
        language=case.language,
        context=message_context(case, **extra),
        reference=f"case:{case.number}",
    )


def _invite_rating(case: Case) -> None:
    from okno.feedback.services import case_rating_url

    if not case.contact:
        return
    _notify(case, "rate_invite", rating_url=case_rating_url(case))


def _alert_recipients(case: Case) -> list[Employee]:
    people: list[Employee] = []
    if case.assignee is not None:
        people.append(case.assignee)
    elif case.unit is not None and case.unit.head is not None:
        people.append(case.unit.head)
    heads = Employee.objects.filter(
        offices=case.office, role=Role.HEAD, user__is_active=True
    ).select_related("user")
    people.extend(head for head in heads if head not in people)
    return people


def _alert(case: Case, person: Employee, which: str) -> None:
    email = (person.user.email or "").strip().lower()
    if not email:
        return
    language = case.office.default_language
    notify(
        to=Contact(kind="email", value=email),
        template=f"cases/notifications/alert_{which}",
        language=language,
        context=message_context(case, language=language),
        reference=f"case:{case.number}",
    )


def message_context(case: Case, *, language: str | None = None, **extra: Any) -> dict[str, Any]:
    """What a message about the case says: its number, office, service, deadline and link."""
    language = language or case.language
    fallback = case.office.default_language
    with translation.override(language):  # tr() reads the active language first
        return {
            "number": case.number,
            "code": case.code,
            "office_name": tr(case.office.name, fallback),
            "office_address": tr(case.office.address, fallback),
            "service_name": tr(case.service.name, fallback),
            "deadline": case.deadline,
            "window": str(case.pickup_point) if case.pickup_point_id else "",
            "waiting_for": case.waiting_for,
            "decision": case.decision,
            "delivery": case.delivery,
            "status_url": status_url(case),
            **extra,
        }
