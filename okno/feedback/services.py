"""Every change in feedback: rating a visit, following up a low rating, handling complaints.

Ratings: one per served ticket, given within the office's window after the visit ended, through
a link signed with the server's key (it cannot be forged, and the ticket's unique rating makes
it single-use). Terminals that rate offline send their own id for each rating, so an upload
repeated after a lost connection stores each rating once. A closed application (a case) is
rated the same way, once, through the link its closing message carries (signed with a salt of
its own, so a visit's link never opens a case and the other way round).

Complaints follow one table of transitions (`TRANSITIONS`); each change is one conditional
update plus a `ComplaintEvent`. The answer is due by the office country's rule
(`DeadlineRule`, defaults in `DEFAULT_RULES`): counted from the day of receipt in calendar days,
working days or months; a term that ends on a day off moves to the next working day.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from okno.cases.errors import CaseNotFound
from okno.cases.models import Case
from okno.cases.services import case_by_code
from okno.catalog.models import Office, Service
from okno.core import deadlines
from okno.core.calendar import WorkingCalendar
from okno.core.codes import readable_code
from okno.core.i18n import tr
from okno.feedback import errors
from okno.feedback.models import (
    CRITERIA,
    Complaint,
    ComplaintEvent,
    DeadlineRule,
    FeedbackSettings,
    FollowUp,
    Rating,
)
from okno.notifications.contact import Contact, normalise_contact
from okno.notifications.services import notify
from okno.queueing.models import Ticket
from okno.staff.models import Employee, Role

Status = Complaint.Status
Action = ComplaintEvent.Action

#: The law's terms where an office has no rule of its own in the table.
DEFAULT_RULES: dict[str, dict[str, Any]] = {
    # Law of Ukraine "On citizens' appeals", art. 20: one month (15 days when no study is
    # needed), 45 days at most.
    "UA": {
        "days": 30,
        "unit": "calendar_days",
        "extension_days": 15,
        "max_days": 45,
        "legal_basis": "Закон України «Про звернення громадян», ст. 20",
    },
    # Federal Law 59-FZ, art. 12: 30 days, extendable by 30 with notice to the citizen.
    "RU": {
        "days": 30,
        "unit": "calendar_days",
        "extension_days": 30,
        "max_days": 60,
        "legal_basis": "Федеральный закон № 59-ФЗ, ст. 12",
    },
    # KPA art. 237 § 1: without delay, at the latest within one month.
    "PL": {
        "days": 1,
        "unit": "months",
        "extension_days": 0,
        "max_days": 0,
        "legal_basis": "Kodeks postępowania administracyjnego, art. 237 § 1",
    },
    # Administrative Procedure Code of Kazakhstan, art. 76: 15 working days, up to 30.
    "KZ": {
        "days": 15,
        "unit": "working_days",
        "extension_days": 15,
        "max_days": 30,
        "legal_basis": "Әкімшілік рәсімдік-процестік кодекс, 76-бап",
    },
}
FALLBACK_RULE: dict[str, Any] = {
    "days": 30,
    "unit": "calendar_days",
    "extension_days": 0,
    "max_days": 0,
    "legal_basis": "",
}

#: action -> (statuses it may start from, status it leads to). The one table of transitions.
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    Action.ASSIGNED: (frozenset({Status.RECEIVED, Status.IN_REVIEW}), None),
    Action.REVIEW_STARTED: (frozenset({Status.RECEIVED}), Status.IN_REVIEW),
    Action.EXTENDED: (frozenset({Status.RECEIVED, Status.IN_REVIEW}), None),
    Action.ANSWERED: (frozenset({Status.RECEIVED, Status.IN_REVIEW}), Status.ANSWERED),
    Action.CLOSED: (frozenset({Status.ANSWERED}), Status.CLOSED),
    Action.FORWARDED: (frozenset({Status.RECEIVED, Status.IN_REVIEW}), Status.FORWARDED),
    Action.REJECTED: (frozenset({Status.RECEIVED, Status.IN_REVIEW}), Status.REJECTED),
    Action.NOTE: (frozenset(Status), None),
}
#: Statuses in which the office still owes an answer.
OPEN_STATUSES = (Status.RECEIVED, Status.IN_REVIEW)

RATING_SALT = "okno.feedback.rating"
CASE_RATING_SALT = "okno.feedback.case-rating"
#: The refusals of a case's rating: the errors' own messages speak of a visit.
CASE_LINK_INVALID = _(
    "This rating link is not valid. Use the link from the message about your application."
)
CASE_NOT_RATEABLE = _("Only a closed application can be rated.")
CASE_WINDOW_CLOSED = _("The time to rate this application has passed.")
CASE_ALREADY_RATED = _("This application has already been rated. Thank you!")
COMPLAINT_CODE_LENGTH = 10


# --- ratings ------------------------------------------------------------------------------------


def feedback_settings(office: Office) -> FeedbackSettings:
    try:
        return office.feedback_settings
    except FeedbackSettings.DoesNotExist:
        return FeedbackSettings(office=office)


def rating_token(ticket: Ticket) -> str:
    """The signed token of a ticket's rating link (the ticket's secret code, signed)."""
    return signing.Signer(salt=RATING_SALT).sign(ticket.code)


def ticket_for_rating(token: str, *, now: dt.datetime | None = None) -> Ticket:
    """The served ticket a rating link is for, if it can still be rated."""
    now = now or timezone.now()
    try:
        code = signing.Signer(salt=RATING_SALT).unsign(token or "")
    except signing.BadSignature:
        raise errors.InvalidRatingLink() from None
    ticket = (
        Ticket.objects.filter(code=code, transferred_to__isnull=True)
        .select_related("office", "service", "employee", "service_point")
        .order_by("-issued_at")
        .first()
    )
    if ticket is None:
        raise errors.InvalidRatingLink()
    _check_rateable(ticket, now)
    return ticket


def rate_visit(
    ticket: Ticket,
    *,
    scores: Mapping[str, int],
    channel: str,
    recommend: int | None = None,
    comment: str = "",
    age_band: str = "",
    gender: str = "",
    disability: str = "",
    entered_by: Employee | None = None,
    client_id: str | None = None,
    now: dt.datetime | None = None,
) -> Rating:
    """Record the rating of a served visit (once, within the window)."""
    now = now or timezone.now()
    _check_rateable(ticket, now)
    rating, _created = record_rating(
        ticket.office,
        ticket.service,
        scores=scores,
        channel=channel,
        recommend=recommend,
        comment=comment,
        age_band=age_band,
        gender=gender,
        disability=disability,
        ticket=ticket,
        employee=ticket.employee,
        service_point=ticket.service_point,
        visited_on=ticket.service_day,
        entered_by=entered_by,
        client_id=client_id,
        now=now,
    )
    return rating


def case_rating_token(case: Case) -> str:
    """The signed token of a case's rating link (the applicant's code, signed)."""
    return signing.Signer(salt=CASE_RATING_SALT).sign(case.code)


def case_rating_url(case: Case) -> str:
    """The absolute address of a case's rating page, in the applicant's language."""
    with translation.override(case.language):
        path = reverse("feedback:rate_case", kwargs={"token": case_rating_token(case)})
    return settings.OKNO_PUBLIC_URL.rstrip("/") + path


def case_for_rating(token: str, *, now: dt.datetime | None = None) -> Case:
    """The closed case a rating link is for, if it can still be rated."""
    now = now or timezone.now()
    try:
        case = case_by_code(signing.Signer(salt=CASE_RATING_SALT).unsign(token or ""))
    except (signing.BadSignature, CaseNotFound):
        raise errors.InvalidRatingLink(CASE_LINK_INVALID) from None
    _check_case_rateable(case, now)
    return case


def rate_case(
    case: Case,
    *,
    scores: Mapping[str, int],
    channel: str = Rating.Channel.MESSAGE,
    recommend: int | None = None,
    comment: str = "",
    age_band: str = "",
    gender: str = "",
    disability: str = "",
    now: dt.datetime | None = None,
) -> Rating:
    """Record the rating of a closed case (once, within the window after closing).

    It counts with the visits' ratings: the case's office and service, the employee who was
    responsible for it, and the day it was closed as the day of the "visit". The link only ever
    comes in the closing message, hence the channel.
    """
    now = now or timezone.now()
    _check_case_rateable(case, now)
    assert case.closed_at is not None  # checked above: a closed case has its closing time
    try:
        rating, _created = record_rating(
            case.office,
            case.service,
            scores=scores,
            channel=channel,
            recommend=recommend,
            comment=comment,
            age_band=age_band,
            gender=gender,
            disability=disability,
            case=case,
            employee=case.assignee,
            visited_on=case.closed_at.astimezone(case.office.zone).date(),
            now=now,
        )
    except errors.AlreadyRated:
        # Two ratings sent at once: the unique case lets one through.
        raise errors.AlreadyRated(CASE_ALREADY_RATED) from None
    return rating


def record_rating(
    office: Office,
    service: Service,
    *,
    scores: Mapping[str, int],
    channel: str,
    visited_on: dt.date,
    recommend: int | None = None,
    comment: str = "",
    age_band: str = "",
    gender: str = "",
    disability: str = "",
    ticket: Ticket | None = None,
    case: Case | None = None,
    employee: Employee | None = None,
    service_point: Any = None,
    entered_by: Employee | None = None,
    client_id: str | None = None,
    now: dt.datetime | None = None,
) -> tuple[Rating, bool]:
    """Store one rating (and a follow-up when it is low); `(rating, created)`.

    With a `client_id` already stored, the stored rating is returned and nothing is written:
    a terminal may send the same upload again.
    """
    now = now or timezone.now()
    if client_id:
        existing = Rating.objects.filter(client_id=client_id).first()
        if existing is not None:
            return existing, False
    rating = Rating(
        office=office,
        service=service,
        ticket=ticket,
        case=case,
        employee=employee,
        service_point=service_point,
        channel=channel,
        recommend=recommend,
        comment=(comment or "").strip()[:2000],
        age_band=age_band or "",
        gender=gender or "",
        disability=disability or "",
        client_id=client_id or None,
        visited_on=visited_on,
        rated_at=now,
        entered_by=entered_by,
        **{name: scores.get(name) for name in CRITERIA},
    )
    try:
        # Field validators cover the ranges; the check constraints would cost a query each.
        rating.full_clean(
            exclude=["office", "service", "ticket", "case", "client_id"],
            validate_constraints=False,
        )
    except ValidationError:
        raise errors.InvalidScore() from None
    try:
        with transaction.atomic():
            rating.save()
            if rating.lowest <= feedback_settings(office).low_score:
                FollowUp.objects.create(rating=rating, office=office, created_at=now)
    except IntegrityError:
        if client_id:
            existing = Rating.objects.filter(client_id=client_id).first()
            if existing is not None:
                return existing, False
        raise errors.AlreadyRated() from None
    return rating, True


def close_follow_up(
    follow_up: FollowUp, *, employee: Employee, note: str, now: dt.datetime | None = None
) -> FollowUp:
    """The head called the visitor back (or tried): the follow-up is done, with what was done."""
    now = now or timezone.now()
    if not note.strip():
        raise errors.ReasonRequired()
    updated = FollowUp.objects.filter(pk=follow_up.pk, status=FollowUp.Status.OPEN).update(
        status=FollowUp.Status.DONE, note=note.strip()[:2000], closed_at=now, closed_by=employee
    )
    if not updated:
        raise errors.TransitionNotAllowed()
    follow_up.refresh_from_db()
    return follow_up


# --- complaints ---------------------------------------------------------------------------------


def deadline_rule(country: str) -> DeadlineRule:
    """The country's rule from the table, or the law's default."""
    rule = DeadlineRule.objects.filter(country=country).first()
    if rule is None:
        rule = DeadlineRule(country=country, **DEFAULT_RULES.get(country, FALLBACK_RULE))
    return rule


def due_date(office: Office, received: dt.date, days: int, unit: str) -> dt.date:
    """The last day to answer: `days` of `unit` after `received`, moved off a day off."""
    cal = WorkingCalendar(office)
    if unit == DeadlineRule.Unit.MONTHS:
        due = _add_months(received, days)
        while not cal.is_working_day(due):
            due += dt.timedelta(days=1)
        return due
    return deadlines.due_date(cal, received, days, unit)


def file_complaint(
    office: Office,
    *,
    text: str,
    category: str,
    kind: str = Complaint.Kind.COMPLAINT,
    channel: str = Complaint.Channel.PORTAL,
    service: Service | None = None,
    ticket: Ticket | None = None,
    contact: str = "",
    language: str | None = None,
    employee: Employee | None = None,
    latitude: Any = None,
    longitude: Any = None,
    client_id: str | None = None,
    now: dt.datetime | None = None,
) -> Complaint:
    """Register a complaint or suggestion, route it and compute the answer's deadline."""
    now = now or timezone.now()
    text = (text or "").strip()
    if not text:
        raise errors.TextRequired()
    if client_id:
        existing = Complaint.objects.filter(client_id=client_id).first()
        if existing is not None:
            return existing
    address = _contact(office, contact) if contact.strip() else None
    rule = deadline_rule(office.country)
    received = now.astimezone(office.zone).date()
    complaint = Complaint(
        code=readable_code(COMPLAINT_CODE_LENGTH),
        kind=kind,
        category=category,
        office=office,
        service=service,
        ticket=ticket,
        employee_concerned=ticket.employee if ticket else None,
        text=text[:5000],
        channel=channel,
        language=language or translation.get_language() or office.default_language,
        contact_kind=address.kind if address else "",
        contact=address.value if address else "",
        assignee=_handler(office),
        received_at=now,
        deadline=due_date(office, received, rule.days, rule.unit),
        latitude=latitude,
        longitude=longitude,
        client_id=client_id or None,
    )
    try:
        complaint.full_clean(
            exclude=["code", "assignee", "client_id", "contact"], validate_constraints=False
        )
    except ValidationError as error:
        raise errors.FeedbackError(" ".join(error.messages)) from None
    with transaction.atomic():
        complaint.save()
        _record(complaint, Action.RECEIVED, now, employee=employee, detail={"channel": channel})
        if complaint.assignee_id:
            _record(
                complaint, Action.ASSIGNED, now, detail={"to": complaint.assignee_id, "auto": True}
            )
        _notify(complaint, "received")
    return complaint


def assign_complaint(
    complaint: Complaint,
    to: Employee,
    *,
    employee: Employee,
    reason: str,
    now: dt.datetime | None = None,
) -> Complaint:
    """Hand the complaint to another employee, with the reason (kept in the audit trail)."""
    now = now or timezone.now()
    if not reason.strip():
        raise errors.ReasonRequired()
    return _apply(
        complaint,
        Action.ASSIGNED,
        now,
        employee=employee,
        changes={"assignee": to},
        detail={"from": complaint.assignee_id, "to": to.pk, "reason": reason.strip()[:500]},
    )


def start_review(
    complaint: Complaint, *, employee: Employee, now: dt.datetime | None = None
) -> Complaint:
    return _apply(complaint, Action.REVIEW_STARTED, now or timezone.now(), employee=employee)


def extend_deadline(
    complaint: Complaint,
    *,
    employee: Employee,
    reason: str,
    now: dt.datetime | None = None,
) -> Complaint:
    """Extend the deadline once, by the rule's extension; the citizen is told."""
    now = now or timezone.now()
    if not reason.strip():
        raise errors.ReasonRequired()
    rule = deadline_rule(complaint.office.country)
    if complaint.extended or not rule.extension_days:
        raise errors.ExtensionNotAllowed()
    received = complaint.received_at.astimezone(complaint.office.zone).date()
    total = rule.days + rule.extension_days
    if rule.max_days:
        total = min(total, rule.max_days)
    new_deadline = due_date(complaint.office, received, total, rule.unit)
    if new_deadline <= complaint.deadline:
        raise errors.ExtensionNotAllowed()
    complaint = _apply(
        complaint,
        Action.EXTENDED,
        now,
        employee=employee,
        changes={"deadline": new_deadline, "extended": True, "reminded_before_at": None},
        detail={
            "from": complaint.deadline.isoformat(),
            "to": new_deadline.isoformat(),
            "reason": reason.strip()[:500],
        },
    )
    _notify(complaint, "extended", reason=reason.strip())
    return complaint


def answer_complaint(
    complaint: Complaint, *, employee: Employee, answer: str, now: dt.datetime | None = None
) -> Complaint:
    """The answer is recorded, shown on the status page and sent to the citizen."""
    now = now or timezone.now()
    answer = (answer or "").strip()
    if not answer:
        raise errors.AnswerRequired()
    complaint = _apply(
        complaint,
        Action.ANSWERED,
        now,
        employee=employee,
        changes={"answer": answer[:10000], "answered_at": now},
        detail={"on_time": now.astimezone(complaint.office.zone).date() <= complaint.deadline},
    )
    _notify(complaint, "answered")
    return complaint


def close_complaint(
    complaint: Complaint, *, employee: Employee | None = None, now: dt.datetime | None = None
) -> Complaint:
    """Close an answered complaint; the contact is no longer needed and is wiped."""
    now = now or timezone.now()
    return _apply(
        complaint,
        Action.CLOSED,
        now,
        employee=employee,
        changes={"closed_at": now, "contact": ""},
    )


def forward_complaint(
    complaint: Complaint, *, employee: Employee, to: str, now: dt.datetime | None = None
) -> Complaint:
    """Not for this centre: forwarded to the authority named, and the citizen is told where."""
    return _end_with_reason(complaint, Action.FORWARDED, "forwarded", to, employee, now)


def reject_complaint(
    complaint: Complaint, *, employee: Employee, reason: str, now: dt.datetime | None = None
) -> Complaint:
    """Left without consideration on a lawful ground, which the citizen is told."""
    return _end_with_reason(complaint, Action.REJECTED, "rejected", reason, employee, now)


def add_note(
    complaint: Complaint, *, employee: Employee, note: str, now: dt.datetime | None = None
) -> Complaint:
    if not note.strip():
        raise errors.ReasonRequired()
    return _apply(
        complaint,
        Action.NOTE,
        now or timezone.now(),
        employee=employee,
        detail={"note": note.strip()[:2000]},
    )


def send_deadline_alerts(now: dt.datetime | None = None) -> int:
    """Tell the handler a few days before the deadline, and again once it has passed.

    Claimed by a conditional update, so several workers never send the same alert.
    """
    now = now or timezone.now()
    sent = 0
    rules: dict[str, DeadlineRule] = {}  # one read per country, not per complaint
    open_complaints = Complaint.objects.filter(status__in=OPEN_STATUSES).select_related(
        "office", "assignee__user"
    )
    for complaint in open_complaints.filter(reminded_overdue_at__isnull=True):
        today = now.astimezone(complaint.office.zone).date()
        if complaint.office.country not in rules:
            rules[complaint.office.country] = deadline_rule(complaint.office.country)
        rule = rules[complaint.office.country]
        if today > complaint.deadline:
            field, which = "reminded_overdue_at", "overdue"
        elif (
            complaint.reminded_before_at is None
            and (complaint.deadline - today).days <= rule.remind_days_before
        ):
            field, which = "reminded_before_at", "soon"
        else:
            continue
        claimed = Complaint.objects.filter(pk=complaint.pk, **{f"{field}__isnull": True}).update(
            **{field: now}
        )
        if not claimed:
            continue
        with transaction.atomic():
            _record(complaint, Action.ALERTED, now, detail={"which": which})
            _alert_handler(complaint, which)
        sent += 1
    return sent


def complaint_by_code(code: str) -> Complaint:
    normalised = "".join((code or "").split()).upper()
    if not normalised or len(normalised) > 12:
        raise errors.ComplaintNotFound()
    complaint = (
        Complaint.objects.select_related("office", "service").filter(code=normalised).first()
    )
    if complaint is None:
        raise errors.ComplaintNotFound()
    return complaint


def run_upkeep(now: dt.datetime) -> dict[str, int]:
    """Periodic feedback work, for the scheduler."""
    return {"deadline_alerts": send_deadline_alerts(now)}


# --- helpers ------------------------------------------------------------------------------------


def _check_rateable(ticket: Ticket, now: dt.datetime) -> None:
    if ticket.state != Ticket.State.DONE or ticket.outcome != Ticket.Outcome.SERVED:
        raise errors.NotRateable()
    window = dt.timedelta(days=feedback_settings(ticket.office).rating_window_days)
    if ticket.finished_at is None or now - ticket.finished_at > window:
        raise errors.RatingWindowClosed()
    if Rating.objects.filter(ticket=ticket).exists():
        raise errors.AlreadyRated()


def _check_case_rateable(case: Case, now: dt.datetime) -> None:
    if case.status != Case.Status.CLOSED or case.closed_at is None:
        raise errors.NotRateable(CASE_NOT_RATEABLE)
    window = dt.timedelta(days=feedback_settings(case.office).rating_window_days)
    if now - case.closed_at > window:
        raise errors.RatingWindowClosed(CASE_WINDOW_CLOSED)
    if Rating.objects.filter(case=case).exists():
        raise errors.AlreadyRated(CASE_ALREADY_RATED)


def _handler(office: Office) -> Employee | None:
    """Who a new complaint goes to: the office's configured handler, else its head."""
    configured = feedback_settings(office).complaints_handler
    if configured is not None:
        return configured
    return (
        Employee.objects.filter(offices=office, role=Role.HEAD, user__is_active=True)
        .order_by("pk")
        .first()
    )


def _end_with_reason(
    complaint: Complaint,
    action: str,
    template: str,
    reason: str,
    employee: Employee,
    now: dt.datetime | None,
) -> Complaint:
    """Forwarding and rejecting: the complaint ends with a reason, which the citizen is sent."""
    now = now or timezone.now()
    if not reason.strip():
        raise errors.ReasonRequired()
    complaint = _apply(
        complaint,
        action,
        now,
        employee=employee,
        changes={"reason": reason.strip()[:500], "closed_at": now},
    )
    _notify(complaint, template)
    return complaint


def _apply(
    complaint: Complaint,
    action: str,
    now: dt.datetime,
    *,
    employee: Employee | None = None,
    changes: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
) -> Complaint:
    """Apply one row of TRANSITIONS as a conditional update and record it."""
    sources, target = TRANSITIONS[action]
    changes = dict(changes or {})
    if target is not None:
        changes["status"] = target
    with transaction.atomic():
        allowed = Complaint.objects.filter(pk=complaint.pk, status__in=sources)
        # update() with nothing to change runs no query and returns 0 (a note changes no field).
        updated = allowed.update(**changes) if changes else allowed.exists()
        if not updated:
            complaint.refresh_from_db()
            raise errors.TransitionNotAllowed()
        for field, value in changes.items():
            setattr(complaint, field, value)
        _record(complaint, action, now, employee=employee, detail=detail)
    return complaint


def _record(
    complaint: Complaint,
    action: str,
    now: dt.datetime,
    *,
    employee: Employee | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    ComplaintEvent.objects.create(
        complaint=complaint, action=action, at=now, employee=employee, detail=detail or {}
    )


def _notify(complaint: Complaint, template: str, **extra: Any) -> None:
    if not complaint.contact:
        return
    notify(
        to=Contact(kind=complaint.contact_kind, value=complaint.contact),
        template=f"feedback/notifications/{template}",
        language=complaint.language,
        context=_message_context(complaint, **extra),
        reference=f"complaint:{complaint.code}",
    )


def _alert_handler(complaint: Complaint, which: str) -> None:
    """Staff alerts go to the handler's e-mail, when they have one."""
    handler = complaint.assignee
    email = handler.user.email if handler is not None else ""
    if not email:
        return
    notify(
        to=Contact(kind="email", value=email.lower()),
        template=f"feedback/notifications/alert_{which}",
        language=complaint.office.default_language,
        context=_message_context(complaint, language=complaint.office.default_language),
        reference=f"complaint:{complaint.code}",
    )


def _message_context(
    complaint: Complaint, *, language: str | None = None, **extra: Any
) -> dict[str, Any]:
    from django.conf import settings
    from django.urls import reverse

    language = language or complaint.language
    with translation.override(language):
        path = reverse("feedback:complaint_status", kwargs={"code": complaint.code})
        return {
            "code": complaint.code,
            "office_name": tr(complaint.office.name, language, complaint.office.default_language),
            "deadline": complaint.deadline,
            "answer": complaint.answer,
            "reason": extra.get("reason") or complaint.reason,
            "status_url": settings.OKNO_PUBLIC_URL.rstrip("/") + path,
        }


def _contact(office: Office, raw: str) -> Contact:
    try:
        return normalise_contact(raw, country=office.country)
    except ValidationError as error:
        raise errors.FeedbackError(" ".join(error.messages)) from None


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
