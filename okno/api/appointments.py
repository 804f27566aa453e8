"""Online booking endpoints: free times, bookings confirmed by a one-time code, managed with the
secret of their link, checked in at a kiosk.

Citizens need no account. `POST /bookings` holds the time and sends a code to the phone or
e-mail given; the answer carries the booking's code and the secret of its manage link, shown
once. With the secret (header `X-Booking-Secret`, or `secret` in the query or the body) the
citizen confirms, reads, moves and cancels the booking; without it a booking code answers 404,
as if it did not exist. Every anonymous write is limited per client address, and
`POST /bookings` refuses a filled-in honeypot field (`website`).

Staff (a Bearer token, `okno token USERNAME`) book for a caller on the phone share (confirmed at
once, contact optional), read and change the bookings of their offices without the secret, and
cancel only with a reason (the citizen is told it). Another office's booking is 404.

Every write goes through `okno.appointments.services`; its domain errors come back as
`{"message": ...}` with the error's status, translated (`Accept-Language` or `?lang=`).

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

import datetime as dt
from typing import Any, Literal

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from ninja import Field, Header, Path, Query, Router, Schema, Status

from okno.api.auth import token_staff
from okno.api.catalog import Language, LanguageQuery
from okno.api.errors import answers_domain_errors
from okno.api.queueing import NotOfThisOffice, QueueErrorOut, QueueInvalidOut
from okno.appointments import errors, selectors, services
from okno.appointments.models import Booking, Channel
from okno.appointments.slots import Planner, booking_rules
from okno.catalog.models import Office, Service
from okno.core import ratelimit
from okno.core.i18n import tr
from okno.core.scoping import visible_office_ids
from okno.notifications.contact import mask
from okno.queueing import selectors as queue_selectors
from okno.queueing.errors import QueueError
from okno.queueing.models import Ticket
from okno.staff.models import Employee

router = Router(tags=["booking"])

#: Bookings one client address may start in ten minutes without a token (a family, a library
#: computer); a bot grabbing slots hits it at once.
BOOKINGS_PER_ADDRESS = 20
#: Codes confirmed, bookings moved or cancelled per address in ten minutes without a token.
CHANGES_PER_ADDRESS = 30
#: Check-ins per address and minute without a token (a kiosk checks in a few people a minute).
CHECK_INS_PER_MINUTE = 30
WINDOW_SECONDS = 600

#: Ids are bigints: anything larger is refused before the database sees it.
MAX_ID = 2**63 - 1
#: Text without control characters (line breaks and tabs allowed): PostgreSQL refuses NUL.
PLAIN_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
#: Times outside these years are refused before any arithmetic on them can overflow.
YEARS = (2000, 2999)

Id = Field(ge=1, le=MAX_ID)
OfficeId = Path[int, {"ge": 1, "le": MAX_ID, "description": "The office's id (see /offices)."}]
BookingCode = Path[
    str,
    {
        "min_length": 1,
        "max_length": 12,
        "pattern": r"^[A-Za-z0-9]+$",
        "description": "The booking code on the confirmation (8 characters, case ignored).",
        "examples": ["K7M2QX9P"],
    },
]
Secret = Field(
    None,
    min_length=1,
    max_length=64,
    pattern=r"^[A-Za-z0-9]+$",
    description="The secret of the booking's manage link (from `POST /bookings`).",
    examples=["3f1c9a0e5b7d4c2a8e6f1b3d5a7c9e0f"],
)
START_EXAMPLE = "2026-11-24T10:00:00+02:00"


class HoneypotFilled(QueueError):
    message = _("The request was refused: the field “website” must be left empty.")
    status = 400


class ReasonRequired(QueueError):
    message = _("Give the reason for cancelling: the citizen is told it.")
    status = 400


# --- schemas ------------------------------------------------------------------------------------


class TooEarlyOut(QueueErrorOut):
    opens_at: dt.datetime | None = Field(
        None, description="When the booking is refused as too early: when check-in opens."
    )


#: Every status a booking endpoint may answer with besides success: a status missing here would
#: turn a domain error into a 500.
ERRORS: dict[int, type[Schema]] = {
    400: QueueErrorOut,
    401: QueueErrorOut,
    403: QueueErrorOut,
    404: QueueErrorOut,
    409: QueueErrorOut,
    410: QueueErrorOut,
    422: QueueInvalidOut,
    429: QueueErrorOut,
}


class SlotsQuery(LanguageQuery):
    service: int = Field(..., ge=1, le=MAX_ID, description="The service's id.")
    date: dt.date = Field(..., description="The day, in the office's calendar.")
    channel: Literal["online", "phone"] = Field(
        "online", description="Whose share of capacity: `online`, or `phone` (staff bookings)."
    )
    include_full: bool = Field(False, description="Also list times with no place left.")


class BookingDaysQuery(LanguageQuery):
    service: int = Field(..., ge=1, le=MAX_ID, description="The service's id.")
    channel: Literal["online", "phone"] = "online"


class SlotOut(Schema):
    start: dt.datetime = Field(description="In the office's local time, with its UTC offset.")
    end: dt.datetime
    free: int = Field(description="Places left for the channel; 0 only with `include_full`.")


class BookingDayOut(Schema):
    date: dt.date
    free: int = Field(description="Free places that day; 0: the day is open but fully booked.")


class BookingIn(Schema):
    office_id: int = Id
    service_id: int = Id
    start: dt.datetime = Field(
        description="The start of one of the free times (`GET /offices/{id}/slots`); a time "
        "without a UTC offset is read in the office's local time.",
        examples=[START_EXAMPLE],
    )
    contact: str = Field(
        "",
        max_length=254,
        pattern=PLAIN_TEXT,
        description="A mobile phone number (national or international form) or an e-mail "
        "address; the code is sent there. Optional for staff booking for a caller.",
        examples=["+380 67 123 45 67"],
    )
    language: Language | None = Field(
        None, description="The language of the messages; by default the request's language."
    )
    website: str = Field(
        "",
        max_length=200,
        description="Leave empty: a form field people never see; a request that fills it in is "
        "refused.",
    )


class BookingCreatedOut(Schema):
    code: str = Field(description="The booking code: typed or scanned at the kiosk.")
    secret: str = Field(description="The secret of the manage link: keep it, it is shown once.")
    status: Literal["pending", "confirmed"] = Field(
        description="`pending` until the code is verified; staff bookings are `confirmed`."
    )
    start: dt.datetime
    end: dt.datetime
    expires_at: dt.datetime | None = Field(
        description="The time is released unless the code is verified before then."
    )
    manage_url: str = Field(description="The citizen's page of the booking.")


class VerifyIn(Schema):
    secret: str = Field(
        ...,
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9]+$",
        examples=["3f1c9a0e5b7d4c2a8e6f1b3d5a7c9e0f"],
    )
    otp: str = Field(
        ...,
        min_length=1,
        max_length=12,
        pattern=r"^\s*[0-9]+\s*$",
        description="The 6-digit code sent to the contact.",
        examples=["482913"],
    )


class CancelIn(Schema):
    secret: str | None = Secret
    reason: str = Field(
        "",
        max_length=300,
        pattern=PLAIN_TEXT,
        description="Required for staff: sent to the citizen.",
    )


class RescheduleIn(Schema):
    secret: str | None = Secret
    start: dt.datetime = Field(
        description="The start of another free time of the same service at the same office.",
        examples=[START_EXAMPLE],
    )


class CheckInIn(Schema):
    office_id: int = Field(..., ge=1, le=MAX_ID, description="The office of the kiosk.")


class BookingOfficeOut(Schema):
    id: int
    slug: str
    name: str
    address: str
    time_zone: str


class BookingServiceOut(Schema):
    id: int
    code: str
    name: str


class BookingTicketOut(Schema):
    label: str = Field(description="The ticket as shown and called, e.g. `A007`.")
    code: str = Field(description="The ticket's secret code for `GET /tickets/{code}`.")
    state: str


class BookingOut(Schema):
    code: str
    status: Literal["held", "pending", "confirmed", "checked_in", "cancelled", "expired", "no_show"]
    status_label: str = Field(description="The status in words, in the answer's language.")
    channel: Literal["online", "phone"]
    office: BookingOfficeOut
    service: BookingServiceOut
    start: dt.datetime = Field(description="In the office's local time, with its UTC offset.")
    end: dt.datetime
    contact: str = Field(description="Masked: `+380 •• ••• •• 67`; empty when none is kept.")
    language: str
    expires_at: dt.datetime | None = Field(description="While pending: when the time is released.")
    confirmed_at: dt.datetime | None
    check_in_opens_at: dt.datetime
    check_in_closes_at: dt.datetime
    cancel_reason: str
    ticket: BookingTicketOut | None = Field(description="Once checked in: the queue ticket.")


class CheckInTicketOut(Schema):
    id: int
    number: int
    label: str
    code: str
    state: str
    source: Literal["booking", "kiosk"] = Field(
        description="`booking` inside the arrival window; `kiosk` (a walk-in) when late."
    )
    service: BookingServiceOut
    issued_at: dt.datetime
    position: int = Field(description="Place in the line of the ticket's group: 1 is next.")
    people_ahead: int
    estimated_wait_minutes: int


class CheckInOut(Schema):
    code: str
    start: dt.datetime
    late: bool = Field(description="Came after the arrival window: joined as a walk-in.")
    ticket: CheckInTicketOut


# --- errors -------------------------------------------------------------------------------------


# --- free times ---------------------------------------------------------------------------------


@router.get(
    "/offices/{office_id}/slots",
    response={200: list[SlotOut], **ERRORS},
    summary="Free times of a service at an office on one day",
    description=(
        "The day's slots with places left for the channel (`online` by default: the share of "
        "capacity the office opens to online booking). A day outside the booking horizon, a "
        "closed day or a day already past gives an empty list; times starting sooner than the "
        "office's minimum notice are left out. 400 when the service cannot be booked at this "
        "office."
    ),
    openapi_extra={
        "responses": {
            200: {
                "content": {
                    "application/json": {
                        "example": [
                            {
                                "start": "2026-11-24T10:00:00+02:00",
                                "end": "2026-11-24T10:15:00+02:00",
                                "free": 2,
                            }
                        ]
                    }
                }
            }
        }
    },
)
@answers_domain_errors
def slots(request: HttpRequest, office_id: OfficeId, filters: Query[SlotsQuery]):
    office = _active_office(office_id)
    service = _bookable_service(office, filters.service)
    offers = Planner(office).offers(
        service, filters.date, channel=filters.channel, now=timezone.now()
    )
    return [
        {
            "start": offer.start.astimezone(office.zone),
            "end": offer.end.astimezone(office.zone),
            "free": offer.free,
        }
        for offer in offers
        if offer.free > 0 or filters.include_full
    ]


@router.get(
    "/offices/{office_id}/booking-days",
    response={200: list[BookingDayOut], **ERRORS},
    summary="Days a service can be booked at an office, with their free places",
    description=(
        "Every open day of the booking horizon, from today, with the free places left for the "
        "channel (0: fully booked). Closed days are not listed. 400 when the service cannot be "
        "booked at this office."
    ),
    openapi_extra={
        "responses": {
            200: {
                "content": {
                    "application/json": {
                        "example": [
                            {"date": "2026-11-24", "free": 12},
                            {"date": "2026-11-25", "free": 0},
                        ]
                    }
                }
            }
        }
    },
)
@answers_domain_errors
def booking_days(request: HttpRequest, office_id: OfficeId, filters: Query[BookingDaysQuery]):
    office = _active_office(office_id)
    service = _bookable_service(office, filters.service)
    days = Planner(office).free_days(service, channel=filters.channel, now=timezone.now())
    return [{"date": day, "free": free} for day, free in sorted(days.items())]


# --- booking ------------------------------------------------------------------------------------


@router.post(
    "/bookings",
    response={201: BookingCreatedOut, **ERRORS},
    summary="Book a time: hold it and send a confirmation code",
    description=(
        "Holds the time and sends a 6-digit code to the contact; confirm with "
        "`POST /bookings/{code}/verify` before `expires_at` or the time is released. If the code "
        "cannot be sent (a malformed contact, the per-person limits), nothing is kept. "
        f"At most {BOOKINGS_PER_ADDRESS} per client address in {WINDOW_SECONDS // 60} minutes; "
        "`website` must be empty. With a staff token of the office: a booking for a caller on "
        "the phone share, confirmed at once, contact optional."
    ),
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "example": {
                        "office_id": 1,
                        "service_id": 7,
                        "start": START_EXAMPLE,
                        "contact": "+380 67 123 45 67",
                        "language": "uk",
                    }
                }
            }
        }
    },
)
@answers_domain_errors
def create_booking(request: HttpRequest, payload: BookingIn):
    staff = token_staff(request)
    if staff is None:
        if _exceeded(request, "api-bookings", BOOKINGS_PER_ADDRESS, WINDOW_SECONDS):
            raise errors.TooManyRequests()
        if payload.website:
            raise HoneypotFilled()
    office = _active_office(payload.office_id)
    if staff is not None:
        _check_works_at(staff, office)
    service = _bookable_service(office, payload.service_id)
    start = _start_at(payload.start, office)
    if staff is not None:
        held = services.book_for_caller(
            office,
            service,
            start,
            employee=staff,
            contact=payload.contact,
            language=payload.language,
        )
        booking = held.booking
    else:
        language = payload.language or translation.get_language() or settings.LANGUAGE_CODE
        # One transaction: when the code cannot be sent the hold goes too, so a refused request
        # leaves no row behind (and no message: notifications leave on commit).
        with transaction.atomic():
            held = services.hold_slot(
                office, service, start, channel=Channel.ONLINE, language=language
            )
            booking = services.send_code(held.booking, contact=payload.contact, language=language)
    return Status(
        201,
        {
            "code": booking.code,
            "secret": held.secret,
            "status": booking.status,
            "start": booking.start.astimezone(office.zone),
            "end": booking.end.astimezone(office.zone),
            "expires_at": booking.expires_at,
            "manage_url": services.manage_url(booking),
        },
    )


@router.post(
    "/bookings/{code}/verify",
    response={200: BookingOut, **ERRORS},
    summary="Confirm a booking with the code sent to the contact",
    description=(
        "400 for a wrong code; after 5 wrong codes the time is released (429); 410 when the "
        "time to confirm has run out. The per-person limits are checked again here. "
        f"At most {CHANGES_PER_ADDRESS} changes per client address in "
        f"{WINDOW_SECONDS // 60} minutes."
    ),
)
@answers_domain_errors
def verify(
    request: HttpRequest, code: BookingCode, payload: VerifyIn, filters: Query[LanguageQuery]
):
    if _exceeded(request, "api-booking-changes", CHANGES_PER_ADDRESS, WINDOW_SECONDS):
        raise errors.TooManyRequests()
    booking = services.booking_by_secret(code, payload.secret)
    booking = services.verify_booking(booking, payload.otp)
    return _booking_answer(booking, filters)


@router.get(
    "/bookings/{code}",
    response={200: BookingOut, **ERRORS},
    summary="A booking, for its citizen (with the secret) or for staff of its office",
    description=(
        "The secret goes in the `X-Booking-Secret` header (or the `secret` query parameter). "
        "Without it, or with a wrong one, 404, as for a code that does not exist; a staff token "
        "of the booking's office reads it without the secret."
    ),
)
@answers_domain_errors
def booking_detail(
    request: HttpRequest,
    code: BookingCode,
    filters: Query[LanguageQuery],
    secret: str | None = Query(None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9]+$"),
    x_booking_secret: str | None = Header(
        None,
        alias="X-Booking-Secret",
        max_length=64,
        pattern=r"^[A-Za-z0-9]+$",
        description="The manage link's secret.",
    ),
):
    staff = token_staff(request)
    given = x_booking_secret or secret
    if given:
        booking = services.booking_by_secret(code, given)
    elif staff is not None:
        booking = _booking_for_staff(staff, code)
    else:
        raise errors.NotFound()
    return _booking_answer(booking, filters)


@router.post(
    "/bookings/{code}/cancel",
    response={200: BookingOut, **ERRORS},
    summary="Cancel a booking (the citizen with the secret, or staff with a reason)",
    description=(
        "The place is freed at once; a confirmed booking's citizen gets a message (with the "
        "staff's reason). A booking already cancelled, checked in or over answers 409."
    ),
)
@answers_domain_errors
def cancel(
    request: HttpRequest, code: BookingCode, payload: CancelIn, filters: Query[LanguageQuery]
):
    staff, booking = _booking_to_change(request, code, payload.secret)
    if staff is not None and not payload.reason.strip():
        raise ReasonRequired()
    booking = services.cancel_booking(booking, employee=staff, reason=payload.reason.strip())
    return _booking_answer(booking, filters)


@router.post(
    "/bookings/{code}/reschedule",
    response={200: BookingOut, **ERRORS},
    summary="Move a confirmed booking to another free time",
    description=(
        "The same service at the same office, any free time of the booking's channel; the old "
        "place is freed in the same transaction and the citizen gets a message."
    ),
)
@answers_domain_errors
def reschedule(
    request: HttpRequest, code: BookingCode, payload: RescheduleIn, filters: Query[LanguageQuery]
):
    staff, booking = _booking_to_change(request, code, payload.secret)
    start = _start_at(payload.start, booking.office)
    booking = services.reschedule_booking(booking, start, employee=staff)
    return _booking_answer(booking, filters)


@router.post(
    "/bookings/{code}/check-in",
    response={200: CheckInOut, **{**ERRORS, 409: TooEarlyOut}},
    summary="Check in at the office (kiosk): the booking becomes a queue ticket",
    description=(
        "Inside the arrival window the ticket joins the queue placed by the booked time. Too "
        "early: 409 with `opens_at`. Late: a walk-in ticket (`late: true`), or 409 when the "
        "office refuses late arrivals. Needs no token (at most "
        f"{CHECK_INS_PER_MINUTE} per minute per client address; a kiosk sending a staff token "
        "of the office is not limited)."
    ),
)
@answers_domain_errors
def check_in(
    request: HttpRequest, code: BookingCode, payload: CheckInIn, filters: Query[LanguageQuery]
):
    staff = token_staff(request)
    if staff is None and _exceeded(request, "api-booking-check-in", CHECK_INS_PER_MINUTE, 60):
        raise errors.TooManyRequests()
    office = _active_office(payload.office_id)
    if staff is not None:
        _check_works_at(staff, office)
    booking = services.booking_by_code(code)
    try:
        done = services.check_in(booking, office=office)
    except errors.TooEarly as early:
        opens_at = early.opens_at.astimezone(office.zone) if early.opens_at else None
        raise errors.TooEarly(opens_at) from None
    ticket = done.ticket
    estimate = queue_selectors.estimate_wait(ticket)
    with translation.override(filters.lang or translation.get_language()):
        return {
            "code": done.booking.code,
            "start": done.booking.start.astimezone(office.zone),
            "late": done.late,
            "ticket": {
                "id": ticket.pk,
                "number": ticket.number,
                "label": ticket.label,
                "code": ticket.code,
                "state": ticket.state,
                "source": ticket.source,
                "service": _service(ticket.service),
                "issued_at": ticket.issued_at,
                "position": estimate.ahead + 1,
                "people_ahead": estimate.ahead,
                "estimated_wait_minutes": estimate.minutes,
            },
        }


# --- helpers ------------------------------------------------------------------------------------


def _active_office(office_id: int) -> Office:
    office = Office.objects.filter(pk=office_id, is_active=True).first()
    if office is None:
        raise Http404
    return office


def _bookable_service(office: Office, service_id: int) -> Service:
    """The service, if it can be booked at the office (the rule `hold_slot` enforces too)."""
    service = selectors.bookable_services(office).filter(pk=service_id).first()
    if service is None:
        raise errors.ServiceNotBookable()
    return service


def _start_at(start: dt.datetime, office: Office) -> dt.datetime:
    """The requested start as an aware time: without an offset it is the office's local time."""
    if not YEARS[0] <= start.year <= YEARS[1]:
        raise errors.SlotNotOffered()
    if timezone.is_naive(start):
        return start.replace(tzinfo=office.zone)
    return start


def _check_works_at(staff: Employee, office: Office) -> None:
    office_ids = visible_office_ids(staff.user)
    if office_ids is not None and office.pk not in office_ids:
        raise NotOfThisOffice()


def _booking_for_staff(staff: Employee, code: str) -> Booking:
    """The booking if it belongs to one of the employee's offices; NotFound otherwise."""
    booking = services.booking_by_code(code)
    office_ids = visible_office_ids(staff.user)
    if office_ids is not None and booking.office_id not in office_ids:
        raise errors.NotFound()
    return booking


def _booking_to_change(
    request: HttpRequest, code: str, secret: str | None
) -> tuple[Employee | None, Booking]:
    """Who changes the booking (None: the citizen) and the booking, or NotFound."""
    staff = token_staff(request)
    if staff is not None:
        return staff, _booking_for_staff(staff, code)
    if _exceeded(request, "api-booking-changes", CHANGES_PER_ADDRESS, WINDOW_SECONDS):
        raise errors.TooManyRequests()
    return None, services.booking_by_secret(code, secret or "")


def _exceeded(request: HttpRequest, scope: str, limit: int, window_seconds: int) -> bool:
    return ratelimit.exceeded(
        scope, ratelimit.client_address(request), limit=limit, window_seconds=window_seconds
    )


def _booking_answer(booking: Booking, filters: LanguageQuery) -> dict[str, Any]:
    office = booking.office
    zone = office.zone
    rules = booking_rules(office)
    ticket: Ticket | None = booking.ticket if booking.ticket_id else None
    with translation.override(filters.lang or translation.get_language()):
        return {
            "code": booking.code,
            "status": booking.status,
            "status_label": str(Booking.Status(booking.status).label),
            "channel": booking.channel,
            "office": {
                "id": office.pk,
                "slug": office.slug,
                "name": tr(office.name, office.default_language),
                "address": tr(office.address, office.default_language),
                "time_zone": office.time_zone,
            },
            "service": _service(booking.service),
            "start": booking.start.astimezone(zone),
            "end": booking.end.astimezone(zone),
            "contact": mask(booking.contact) if booking.contact else "",
            "language": booking.language,
            "expires_at": booking.expires_at if booking.is_active else None,
            "confirmed_at": booking.confirmed_at,
            "check_in_opens_at": (
                booking.start - dt.timedelta(minutes=rules.arrival_before_minutes)
            ).astimezone(zone),
            "check_in_closes_at": (
                booking.start + dt.timedelta(minutes=rules.arrival_after_minutes)
            ).astimezone(zone),
            "cancel_reason": booking.cancel_reason,
            "ticket": (
                {"label": ticket.label, "code": ticket.code, "state": ticket.state}
                if ticket is not None
                else None
            ),
        }


def _service(service: Service) -> dict[str, Any]:
    return {"id": service.pk, "code": service.code, "name": tr(service.name)}
