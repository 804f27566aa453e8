"""Every change to a booking: hold, confirm by code, reschedule, cancel, check in, no-show.

No double booking, whatever the concurrency: taking a place is a conditional `UPDATE` of the
slot row (`booked < capacity`) and of each hour-budget row it touches (`used + need <= budget`),
inside one transaction, with check constraints on both tables as the last word. When any update
finds no room the transaction is rolled back and nothing is left half-written. Releasing a place
(cancel, expiry, reschedule) is the same update the other way.

Fair allocation (per person, by a keyed hash of the normalised phone or e-mail): at most
`max_active_per_contact` active bookings, at most one per service per day, and online booking
paused after `no_show_limit` missed visits. The checks run when the code is sent and again,
under a lock on the person's record, when the booking is confirmed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation

from okno.appointments import errors, selectors
from okno.appointments.models import (
    Booking,
    BookingEvent,
    Channel,
    ContactRecord,
    HourBudget,
    LatePolicy,
    Slot,
)
from okno.appointments.slots import Planner, booking_rules, budget_needs
from okno.catalog.models import Office, Service
from okno.core import ratelimit
from okno.core.codes import READABLE, readable_code
from okno.core.i18n import tr
from okno.notifications.contact import Contact, normalise_contact
from okno.notifications.services import notify
from okno.queueing import services as queue_services
from okno.queueing.models import Ticket
from okno.staff.models import Employee

Status = Booking.Status
Action = BookingEvent.Action

#: action -> (statuses it may start from, status it leads to). The one table of transitions.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    Action.CODE_SENT: (frozenset({Status.HELD, Status.PENDING}), Status.PENDING),
    Action.CONFIRMED: (frozenset({Status.HELD, Status.PENDING}), Status.CONFIRMED),
    Action.RESCHEDULED: (frozenset({Status.CONFIRMED}), Status.CONFIRMED),
    Action.CANCELLED: (
        frozenset({Status.HELD, Status.PENDING, Status.CONFIRMED}),
        Status.CANCELLED,
    ),
    Action.EXPIRED: (frozenset({Status.HELD, Status.PENDING}), Status.EXPIRED),
    Action.CHECKED_IN: (frozenset({Status.CONFIRMED}), Status.CHECKED_IN),
    Action.NO_SHOW: (frozenset({Status.CONFIRMED}), Status.NO_SHOW),
}

CODE_ALPHABET = READABLE
CODE_LENGTH = 8
OTP_DIGITS = 6
OTP_MAX_ATTEMPTS = 5
OTP_MAX_SENDS = 3
OTP_RESEND_AFTER = dt.timedelta(seconds=60)
OTP_VALID = dt.timedelta(minutes=10)
#: Codes one phone or e-mail may be sent per hour, whatever the number of bookings or addresses.
CODES_PER_CONTACT_PER_HOUR = 6
#: How long a finished booking keeps the contact (for a last "sorry we missed you" message).
CONTACT_KEPT = dt.timedelta(days=2)


@dataclass(frozen=True)
class Held:
    """A freshly held booking and the secret of its manage link (shown once, never stored)."""

    booking: Booking
    secret: str


@dataclass(frozen=True)
class CheckIn:
    booking: Booking
    ticket: Ticket
    late: bool


# --- booking ------------------------------------------------------------------------------------


def hold_slot(
    office: Office,
    service: Service,
    start: dt.datetime,
    *,
    channel: str = Channel.ONLINE,
    language: str | None = None,
    employee: Employee | None = None,
    now: dt.datetime | None = None,
) -> Held:
    """Take a place in the slot at `start` for a few minutes while the person gives a contact."""
    now = now or timezone.now()
    planner = Planner(office)
    if not planner.is_bookable(service):
        raise errors.ServiceNotBookable()
    rules = planner.rules
    offer = planner.offer_at(service, start, channel=channel, now=now)
    if offer is None:
        raise errors.SlotNotOffered()
    if offer.free < 1:
        # Places held by people who walked away are released when somebody needs them (the
        # periodic job does the rest), so a full slot is looked at again once.
        if not expire_holds(now=now, office=office):
            raise errors.SlotTaken()
        offer = planner.offer_at(service, start, channel=channel, now=now)
        if offer is None or offer.free < 1:
            raise errors.SlotTaken()
    with transaction.atomic():
        slot = _take_place(planner, service, offer, channel)
        booking = Booking.objects.create(
            office=office,
            service=service,
            slot=slot,
            start=offer.start,
            end=offer.end,
            minutes=int((offer.end - offer.start).total_seconds() // 60),
            channel=channel,
            status=Status.HELD,
            code=readable_code(CODE_LENGTH),
            language=language or translation.get_language() or settings.LANGUAGE_CODE,
            expires_at=now + dt.timedelta(minutes=rules.hold_minutes),
            created_at=now,
            booked_by=employee,
        )
        _record(booking, Action.HELD, now, employee=employee, detail={"channel": channel})
    return Held(booking=booking, secret=manage_secret(booking))


def send_code(
    booking: Booking,
    *,
    contact: str,
    language: str | None = None,
    now: dt.datetime | None = None,
) -> Booking:
    """Record the person's contact and send them a one-time code to confirm the booking."""
    now = now or timezone.now()
    address = _normalise(booking.office, contact)
    _expire_if_due(booking, now)
    if booking.status not in (Status.HELD, Status.PENDING):
        raise errors.BookingNotActive()
    if booking.otp_sent_at and now - booking.otp_sent_at < OTP_RESEND_AFTER:
        raise errors.ResendTooSoon()
    if booking.otp_sends >= OTP_MAX_SENDS:
        raise errors.TooManyAttempts()
    if ratelimit.exceeded(
        "booking-code-contact", address.value, limit=CODES_PER_CONTACT_PER_HOUR, window_seconds=3600
    ):
        raise errors.TooManyRequests()
    _check_fair(booking, address, now)
    otp = "".join(secrets.choice("0123456789") for _ in range(OTP_DIGITS))
    rules = booking_rules(booking.office)
    with transaction.atomic():
        booking = _transition(
            booking,
            Action.CODE_SENT,
            now,
            changes={
                "contact_kind": address.kind,
                "contact": address.value,
                "language": language or booking.language,
                "otp_hash": _digest(f"{booking.code}:{otp}"),
                "otp_sent_at": now,
                "otp_sends": booking.otp_sends + 1,
                "otp_attempts": 0,
                "expires_at": max(
                    booking.expires_at or now, now + max(OTP_VALID, _minutes(rules.hold_minutes))
                ),
            },
            detail={"channel": address.kind},
        )
        notify(
            to=address,
            template="appointments/notifications/code",
            language=booking.language,
            context={"code": otp, **_message_context(booking)},
            sensitive=True,
            reference=f"booking:{booking.code}",
        )
    return booking


def verify_booking(booking: Booking, otp: str, *, now: dt.datetime | None = None) -> Booking:
    """Confirm the booking with the code the person received."""
    now = now or timezone.now()
    _expire_if_due(booking, now)
    if booking.status == Status.EXPIRED:
        raise errors.CodeExpired()
    if booking.status != Status.PENDING:
        raise errors.BookingNotActive()
    if booking.otp_attempts >= OTP_MAX_ATTEMPTS:
        raise errors.TooManyAttempts()
    expected = booking.otp_hash
    given = _digest(f"{booking.code}:{(otp or '').strip()}")
    if not hmac.compare_digest(expected, given):
        # Counted in the database (F() + 1), so parallel guesses cannot overwrite each other's
        # count and get more than OTP_MAX_ATTEMPTS tries at the code.
        Booking.objects.filter(pk=booking.pk).update(otp_attempts=F("otp_attempts") + 1)
        attempts = Booking.objects.values_list("otp_attempts", flat=True).get(pk=booking.pk)
        booking.otp_attempts = attempts
        if attempts >= OTP_MAX_ATTEMPTS:
            _release(booking, Action.EXPIRED, now, detail={"reason": "attempts"})
            raise errors.TooManyAttempts()
        raise errors.WrongCode()
    address = Contact(kind=booking.contact_kind, value=booking.contact)
    with transaction.atomic():
        record = _lock_contact_record(address)
        _check_fair(booking, address, now, record=record)
        booking = _transition(
            booking,
            Action.CONFIRMED,
            now,
            changes={
                "confirmed_at": now,
                "contact_record": record,
                "otp_hash": "",
                "expires_at": None,
            },
        )
        _notify(booking, "confirmed")
    return booking


def book_for_caller(
    office: Office,
    service: Service,
    start: dt.datetime,
    *,
    employee: Employee,
    contact: str = "",
    language: str | None = None,
    now: dt.datetime | None = None,
) -> Held:
    """Staff book on behalf of a caller or a visitor at the desk: confirmed at once.

    The phone share of capacity is used; the contact is optional (without it there are no
    reminders); the per-person limits apply, the no-show pause does not (staff judge that).
    """
    now = now or timezone.now()
    address = _normalise(office, contact) if contact.strip() else None
    with transaction.atomic():
        held = hold_slot(
            office,
            service,
            start,
            channel=Channel.PHONE,
            language=language or office.default_language,
            employee=employee,
            now=now,
        )
        booking = held.booking
        record = None
        changes: dict[str, Any] = {"confirmed_at": now, "expires_at": None}
        if address is not None:
            record = _lock_contact_record(address)
            _check_fair(booking, address, now, record=record, staff=True)
            changes.update(contact_kind=address.kind, contact=address.value, contact_record=record)
        booking = _transition(booking, Action.CONFIRMED, now, employee=employee, changes=changes)
        _notify(booking, "confirmed")
    return Held(booking=booking, secret=held.secret)


def reschedule_booking(
    booking: Booking,
    start: dt.datetime,
    *,
    employee: Employee | None = None,
    now: dt.datetime | None = None,
) -> Booking:
    """Move a confirmed booking to another free time of the same service at the same office."""
    now = now or timezone.now()
    if booking.status != Status.CONFIRMED:
        raise errors.BookingNotActive()
    if start == booking.start:
        return booking
    planner = Planner(booking.office)
    offer = planner.offer_at(booking.service, start, channel=booking.channel, now=now)
    if offer is None:
        raise errors.SlotNotOffered()
    if offer.free < 1:
        raise errors.SlotTaken()
    old_start = booking.start
    with transaction.atomic():
        if booking.contact_record_id:
            record = ContactRecord.objects.select_for_update().get(pk=booking.contact_record_id)
            address = Contact(kind=booking.contact_kind, value=booking.contact)
            moved = Booking(
                pk=booking.pk, office=booking.office, service=booking.service, start=offer.start
            )
            _check_fair(moved, address, now, record=record, staff=employee is not None)
        _give_back(booking)
        slot = _take_place(planner, booking.service, offer, booking.channel)
        booking = _transition(
            booking,
            Action.RESCHEDULED,
            now,
            employee=employee,
            changes={
                "slot": slot,
                "start": offer.start,
                "end": offer.end,
                "minutes": int((offer.end - offer.start).total_seconds() // 60),
                "reminded_day_at": None,
                "reminded_soon_at": None,
            },
            detail={"from": old_start.isoformat(), "to": offer.start.isoformat()},
        )
        _notify(booking, "rescheduled")
    return booking


def cancel_booking(
    booking: Booking,
    *,
    employee: Employee | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Booking:
    """The citizen (from the manage link) or staff (with a reason) cancel; the place is freed."""
    now = now or timezone.now()
    was_confirmed = booking.status == Status.CONFIRMED
    booking = _release(
        booking,
        Action.CANCELLED,
        now,
        employee=employee,
        changes={"cancel_reason": reason[:300]},
        detail={"by": "staff" if employee else "citizen"},
    )
    if was_confirmed:
        _notify(booking, "cancelled")
    return booking


# --- at the office ------------------------------------------------------------------------------


def check_in(booking: Booking, *, office: Office, now: dt.datetime | None = None) -> CheckIn:
    """The visitor arrives: a ticket joins the live queue, placed by the booked time.

    Inside the arrival window the ticket's place counts from the slot's start minus the head
    start (`booking_head_start_minutes`), so a visitor who keeps their time goes ahead of
    walk-ins who came at that time. Early visitors are told when to come back; late ones join
    as walk-ins or are refused, as the office decides.
    """
    now = now or timezone.now()
    if booking.office_id != office.pk:
        raise errors.WrongOffice()
    if booking.status != Status.CONFIRMED:
        raise errors.BookingNotActive()
    rules = booking_rules(office)
    opens_at = booking.start - _minutes(rules.arrival_before_minutes)
    closes_at = booking.start + _minutes(rules.arrival_after_minutes)
    if now < opens_at:
        raise errors.TooEarly(opens_at)
    late = now > closes_at
    if late and rules.late_policy == LatePolicy.REFUSE:
        raise errors.TooLate()
    with transaction.atomic():
        if late:
            ticket = queue_services.issue_ticket(
                office, booking.service, source=Ticket.Source.KIOSK, now=now
            )
        else:
            ticket = queue_services.issue_ticket(
                office,
                booking.service,
                source=Ticket.Source.BOOKING,
                now=now,
                check_hours=False,
                queue_from=booking.start - _minutes(rules.booking_head_start_minutes),
            )
        booking = _transition(
            booking,
            Action.CHECKED_IN,
            now,
            changes={"ticket": ticket},
            detail={"ticket": ticket.label, "late": late},
        )
    return CheckIn(booking=booking, ticket=ticket, late=late)


def mark_no_shows(now: dt.datetime | None = None) -> int:
    """Confirmed bookings whose arrival window has closed without a check-in: did not come.

    Safe to run in several processes at once: each booking is claimed by a conditional update.
    """
    now = now or timezone.now()
    count = 0
    candidates = Booking.objects.filter(status=Status.CONFIRMED, start__lt=now).select_related(
        "office", "office__appointment_settings"
    )
    for booking in candidates.iterator():
        rules = booking_rules(booking.office)
        if now <= booking.start + _minutes(rules.arrival_after_minutes):
            continue
        with transaction.atomic():
            try:
                _transition(booking, Action.NO_SHOW, now)
            except errors.BookingNotActive:
                continue
            if booking.contact_record_id:
                record = ContactRecord.objects.select_for_update().get(pk=booking.contact_record_id)
                record.no_shows = [*record.no_shows, booking.start.date().isoformat()][-50:]
                record.save(update_fields=["no_shows"])
            count += 1
    return count


# --- upkeep (periodic jobs; each safe to run twice and in parallel) -----------------------------


def expire_holds(*, now: dt.datetime | None = None, office: Office | None = None) -> int:
    """Release places held by people who did not finish the form or the code in time."""
    now = now or timezone.now()
    due = Booking.objects.filter(status__in=[Status.HELD, Status.PENDING], expires_at__lt=now)
    if office is not None:
        due = due.filter(office=office)
    count = 0
    for booking in list(due[:500]):
        try:
            _release(booking, Action.EXPIRED, now)
            count += 1
        except errors.BookingNotActive:
            continue
    return count


def send_due_reminders(now: dt.datetime | None = None) -> int:
    """The reminder the day before (24 h) and the one 2 hours before, each sent once.

    A reminder is skipped when the booking was confirmed after its moment had passed (who booked
    an hour ago needs no reminder). Claimed by a conditional update, so two workers never send
    the same reminder.
    """
    now = now or timezone.now()
    sent = 0
    for field, ahead, template in (
        ("reminded_day_at", dt.timedelta(hours=24), "reminder_day"),
        ("reminded_soon_at", dt.timedelta(hours=2), "reminder_soon"),
    ):
        due = Booking.objects.filter(
            status=Status.CONFIRMED,
            start__gt=now,
            start__lte=now + ahead,
            confirmed_at__lt=F("start") - ahead,
            **{f"{field}__isnull": True},
        ).exclude(contact="")
        for booking in due.select_related("office", "service"):
            claimed = Booking.objects.filter(pk=booking.pk, **{f"{field}__isnull": True}).update(
                **{field: now}
            )
            if not claimed:
                continue
            with transaction.atomic():
                _record(booking, Action.REMINDED, now, detail={"which": template})
                _notify(booking, template)
            sent += 1
    return sent


def forget_contacts(now: dt.datetime | None = None) -> int:
    """Wipe the phone or e-mail of bookings that are over: it was kept only for messages."""
    now = now or timezone.now()
    return (
        Booking.objects.exclude(status__in=Booking.ACTIVE)
        .filter(end__lt=now - CONTACT_KEPT)
        .exclude(contact="")
        .update(contact="")
    )


def run_upkeep(now: dt.datetime) -> dict[str, int]:
    """All periodic booking work, for the scheduler."""
    return {
        "expired": expire_holds(now=now),
        "no_shows": mark_no_shows(now),
        "reminders": send_due_reminders(now),
        "forgotten": forget_contacts(now),
    }


# --- lookups used by several callers ------------------------------------------------------------


def booking_by_code(code: str) -> Booking:
    """A booking by the code on the confirmation (case and spaces ignored)."""
    normalised = "".join((code or "").split()).upper()
    if not normalised or len(normalised) > 12:
        raise errors.NotFound()
    try:
        return Booking.objects.select_related("office", "service", "ticket").get(code=normalised)
    except Booking.DoesNotExist:
        raise errors.NotFound() from None


def booking_by_secret(code: str, secret: str) -> Booking:
    """A booking by its code and the secret of its manage link; NotFound when they do not match."""
    booking = booking_by_code(code)
    if not secret or not hmac.compare_digest(manage_secret(booking), secret):
        raise errors.NotFound()
    return booking


def manage_secret(booking: Booking) -> str:
    """The secret of the booking's manage link.

    Derived from the server's secret key rather than stored, so every message about the booking
    can carry the link and a copy of the database alone opens nothing.
    """
    return _digest(f"manage:{booking.pk}:{booking.code}")[:32]


def manage_url(booking: Booking) -> str:
    """The absolute address of the booking's page, in the booking's language."""
    with translation.override(booking.language):
        path = reverse(
            "appointments:manage", kwargs={"code": booking.code, "secret": manage_secret(booking)}
        )
    return settings.OKNO_PUBLIC_URL.rstrip("/") + path


def contact_digest(address: Contact) -> str:
    return _digest(f"contact:{address.kind}:{address.value}")


# --- helpers ------------------------------------------------------------------------------------


def _normalise(office: Office, raw: str) -> Contact:
    try:
        return normalise_contact(raw or "", country=office.country)
    except ValidationError as error:
        raise errors.InvalidContact(" ".join(error.messages)) from None


def _check_fair(
    booking: Booking,
    address: Contact,
    now: dt.datetime,
    *,
    record: ContactRecord | None = None,
    staff: bool = False,
) -> None:
    rules = booking_rules(booking.office)
    if record is None:
        record = ContactRecord.objects.filter(digest=contact_digest(address)).first()
    if record is None:
        return
    if (
        not staff
        and rules.no_show_limit
        and selectors.recent_no_shows(record, rules=rules, now=now) >= rules.no_show_limit
    ):
        raise errors.NoShowLimit()
    active = Booking.objects.filter(
        contact_record=record, status=Status.CONFIRMED, end__gt=now
    ).exclude(pk=booking.pk)
    if active.count() >= rules.max_active_per_contact:
        raise errors.TooManyBookings()
    if rules.one_per_service_per_day:
        day = booking.start.astimezone(booking.office.zone).date()
        same_day = [
            other
            for other in active.filter(service_id=booking.service_id).only("start", "office")
            if other.start.astimezone(booking.office.zone).date() == day
        ]
        if same_day:
            raise errors.OnePerServicePerDay()


def _lock_contact_record(address: Contact) -> ContactRecord:
    digest = contact_digest(address)
    ContactRecord.objects.bulk_create([ContactRecord(digest=digest)], ignore_conflicts=True)
    return ContactRecord.objects.select_for_update().get(digest=digest)


def _take_place(planner: Planner, service: Service, offer: Any, channel: str) -> Slot:
    """One place in the slot and the minutes in each hour it touches, or SlotTaken."""
    office = planner.office
    Slot.objects.bulk_create(
        [Slot(office=office, service=service, start=offer.start, end=offer.end)],
        ignore_conflicts=True,
    )
    taken = Slot.objects.filter(
        office=office, service=service, start=offer.start, booked__lt=offer.capacity
    ).update(booked=F("booked") + 1, capacity=offer.capacity)
    if not taken:
        raise errors.SlotTaken()
    for hour, need in planner.budget_needs(offer.start, offer.end):
        budget = planner.hour_budget(hour, channel)
        HourBudget.objects.bulk_create(
            [HourBudget(office=office, hour=hour, channel=channel, budget_minutes=budget)],
            ignore_conflicts=True,
        )
        taken = HourBudget.objects.filter(
            office=office, hour=hour, channel=channel, used_minutes__lte=budget - need
        ).update(used_minutes=F("used_minutes") + need, budget_minutes=budget)
        if not taken:
            # Rolls back the slot's place too: the caller's transaction is left by the error.
            raise errors.SlotTaken()
    return Slot.objects.get(office=office, service=service, start=offer.start)


def _give_back(booking: Booking) -> None:
    """Return the booking's place in its slot and its minutes in each hour."""
    Slot.objects.filter(pk=booking.slot_id, booked__gt=0).update(booked=F("booked") - 1)
    for hour, need in budget_needs(booking.start, booking.end, booking.office.zone):
        HourBudget.objects.filter(
            office_id=booking.office_id,
            hour=hour,
            channel=booking.channel,
            used_minutes__gte=need,
        ).update(used_minutes=F("used_minutes") - need)


def _release(
    booking: Booking,
    action: str,
    now: dt.datetime,
    *,
    employee: Employee | None = None,
    changes: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
) -> Booking:
    with transaction.atomic():
        booking = _transition(
            booking, action, now, employee=employee, changes=changes, detail=detail
        )
        _give_back(booking)
    return booking


def _expire_if_due(booking: Booking, now: dt.datetime) -> None:
    if (
        booking.status in (Status.HELD, Status.PENDING)
        and booking.expires_at
        and booking.expires_at < now
    ):
        try:
            _release(booking, Action.EXPIRED, now)
        except errors.BookingNotActive:
            booking.refresh_from_db()


def _transition(
    booking: Booking,
    action: str,
    now: dt.datetime,
    *,
    employee: Employee | None = None,
    changes: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
) -> Booking:
    """Apply one row of TRANSITIONS as a conditional update and record it."""
    sources, target = TRANSITIONS[action]
    changes = {**(changes or {}), "status": target}
    updated = Booking.objects.filter(pk=booking.pk, status__in=sources).update(**changes)
    if not updated:
        booking.refresh_from_db()
        raise errors.BookingNotActive()
    for field, value in changes.items():
        setattr(booking, field, value)
    _record(booking, action, now, employee=employee, detail=detail)
    return booking


def _record(
    booking: Booking,
    action: str,
    now: dt.datetime,
    *,
    employee: Employee | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    BookingEvent.objects.create(
        booking=booking, action=action, at=now, employee=employee, detail=detail or {}
    )


def _notify(booking: Booking, template: str) -> None:
    if not booking.contact:
        return
    notify(
        to=Contact(kind=booking.contact_kind, value=booking.contact),
        template=f"appointments/notifications/{template}",
        language=booking.language,
        context=_message_context(booking),
        reference=f"booking:{booking.code}",
    )


def _message_context(booking: Booking) -> dict[str, Any]:
    """What every message about a booking may say, in the booking's language and local time."""
    language = booking.language
    with translation.override(language):
        return _context_in_language(booking, language)


def _context_in_language(booking: Booking, language: str) -> dict[str, Any]:
    return {
        "booking_code": booking.code,
        "office_name": tr(booking.office.name, language, booking.office.default_language),
        "office_address": tr(booking.office.address, language, booking.office.default_language),
        "service_name": tr(booking.service.name, language),
        "start": booking.start.astimezone(booking.office.zone),
        "time_zone": booking.office.time_zone,
        "reason": booking.cancel_reason,
        "manage_url": manage_url(booking),
    }


def _digest(value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def _minutes(n: int) -> dt.timedelta:
    return dt.timedelta(minutes=n)
