"""Appointments: each office's booking rules, the weekly staff schedule, slots and bookings.

Capacity has two layers, both held by database constraints so that no race can overbook:

* a **slot** (office, service, start) takes at most as many bookings as there are operators
  qualified for the service on shift for the whole slot (`Slot.booked <= Slot.capacity`);
* an **hour budget** (office, hour, channel) caps the operator-minutes booked in that hour to the
  channel's share of the minutes the office's staff are on shift (`used <= budget`), so the rest
  stays for walk-ins (and the phone share for the call centre).

A booking increments both with conditional updates in one transaction (see services.py).
"""

from __future__ import annotations

import datetime as dt

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from okno.catalog.models import Office, Service, Weekday
from okno.staff.models import Employee


class LatePolicy(models.TextChoices):
    WALK_IN = "walk_in", _("join the queue as a walk-in visitor")
    REFUSE = "refuse", _("refuse the check-in")


class AppointmentSettings(models.Model):
    """An office's booking rules; an office without a row uses the defaults."""

    office = models.OneToOneField(
        Office, on_delete=models.CASCADE, primary_key=True, related_name="appointment_settings"
    )
    online_share = models.PositiveSmallIntegerField(
        _("share bookable online (%)"),
        default=60,
        validators=[MaxValueValidator(100)],
        help_text=_("Of each hour's staff minutes; the rest is kept for walk-ins and phone."),
    )
    phone_share = models.PositiveSmallIntegerField(
        _("share bookable by phone and staff (%)"),
        default=20,
        validators=[MaxValueValidator(100)],
    )
    slot_step_minutes = models.PositiveSmallIntegerField(
        _("slot grid (minutes)"),
        default=15,
        validators=[MinValueValidator(5), MaxValueValidator(60)],
        help_text=_("Slot lengths are the service's handling time rounded up to this step."),
    )
    horizon_days = models.PositiveSmallIntegerField(
        _("booking horizon (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
    )
    release_time = models.TimeField(
        _("new day released at"),
        default=dt.time(8, 0),
        help_text=_("Each day at this time the day at the end of the horizon opens for booking."),
    )
    min_lead_minutes = models.PositiveSmallIntegerField(
        _("book at least this many minutes ahead"), default=30, validators=[MaxValueValidator(1440)]
    )
    hold_minutes = models.PositiveSmallIntegerField(
        _("slot held while the form is filled in (minutes)"),
        default=10,
        validators=[MinValueValidator(2), MaxValueValidator(30)],
    )
    arrival_before_minutes = models.PositiveSmallIntegerField(
        _("check-in opens this many minutes before the slot"),
        default=15,
        validators=[MaxValueValidator(120)],
    )
    arrival_after_minutes = models.PositiveSmallIntegerField(
        _("check-in closes this many minutes after the slot starts"),
        default=10,
        validators=[MaxValueValidator(120)],
    )
    late_policy = models.CharField(
        _("a late arrival"), max_length=10, choices=LatePolicy, default=LatePolicy.WALK_IN
    )
    booking_head_start_minutes = models.PositiveSmallIntegerField(
        _("head start of a checked-in booking (minutes)"),
        default=30,
        validators=[MaxValueValidator(240)],
        help_text=_(
            "A checked-in visitor is placed in the queue as if they had waited this long at the "
            "time of their slot."
        ),
    )
    max_active_per_contact = models.PositiveSmallIntegerField(
        _("active bookings per person"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    one_per_service_per_day = models.BooleanField(
        _("at most one booking per service per day and person"), default=True
    )
    no_show_limit = models.PositiveSmallIntegerField(
        _("no-shows that stop online booking"),
        default=3,
        validators=[MaxValueValidator(20)],
        help_text=_("0: no limit. Counted over the period below; staff can still book."),
    )
    no_show_period_days = models.PositiveSmallIntegerField(
        _("no-shows counted over (days)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
    )

    class Meta:
        verbose_name = _("booking rules")
        verbose_name_plural = _("booking rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(online_share__lte=100 - F("phone_share")),
                name="booking_shares_at_most_100",
            ),
        ]

    def __str__(self) -> str:
        return str(self.office)


class StaffShift(models.Model):
    """One interval of an employee's usual week at an office: who is at a window when."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="staff_shifts")
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="shifts")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday)
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("staff schedule")
        ordering = ["office", "weekday", "starts", "employee"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts__lt=F("ends")), name="shift_starts_before_it_ends"
            ),
            models.UniqueConstraint(
                fields=["office", "employee", "weekday", "starts"], name="shift_unique_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee} {self.get_weekday_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.starts is not None and self.ends is not None and self.starts >= self.ends:
            raise ValidationError({"ends": _("A shift must start before it ends.")})


class Channel(models.TextChoices):
    ONLINE = "online", _("online")
    PHONE = "phone", _("by phone or at the desk")


class Slot(models.Model):
    """A bookable time for one service at one office; created when first booked."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()
    end = models.DateTimeField()
    capacity = models.PositiveSmallIntegerField(default=0)
    booked = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["office", "service", "start"], name="slot_once"),
            models.CheckConstraint(condition=Q(booked__lte=F("capacity")), name="slot_not_over"),
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="slot_start_before_end"),
        ]

    def __str__(self) -> str:
        return f"{self.office_id}/{self.service_id} {self.start:%Y-%m-%d %H:%M}"


class HourBudget(models.Model):
    """Operator-minutes one channel may book in one hour at an office."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField()
    channel = models.CharField(max_length=10, choices=Channel)
    budget_minutes = models.PositiveIntegerField(default=0)
    used_minutes = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["office", "hour", "channel"], name="budget_once"),
            models.CheckConstraint(
                condition=Q(used_minutes__lte=F("budget_minutes")), name="budget_not_over"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.office_id} {self.hour:%Y-%m-%d %H:%M} {self.channel}"


class ContactRecord(models.Model):
    """What fair allocation needs to know about a person, keyed by a keyed hash of their contact.

    No phone number or address is kept here: bookings are counted and no-shows remembered
    against the hash, so the record says nothing to whoever reads the table.
    """

    digest = models.CharField(max_length=64, unique=True)
    no_shows = models.JSONField(default=list, blank=True, help_text="ISO dates of no-shows")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.digest[:12]


class Booking(models.Model):
    """A citizen's appointment: from a held slot to a checked-in ticket (or a no-show)."""

    class Status(models.TextChoices):
        HELD = "held", _("being filled in")
        PENDING = "pending", _("awaiting confirmation")
        CONFIRMED = "confirmed", _("confirmed")
        CHECKED_IN = "checked_in", _("checked in")
        CANCELLED = "cancelled", _("cancelled")
        EXPIRED = "expired", _("not completed")
        NO_SHOW = "no_show", _("did not come")

    #: Statuses that hold a place in a slot.
    ACTIVE = (Status.HELD, Status.PENDING, Status.CONFIRMED)

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="bookings")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="bookings")
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="bookings")
    start = models.DateTimeField(_("time"))
    end = models.DateTimeField(_("until"))
    minutes = models.PositiveSmallIntegerField(help_text="Minutes taken from the hour budget.")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel)
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.HELD)
    code = models.CharField(_("booking code"), max_length=12, unique=True)
    language = models.CharField(_("language"), max_length=5)
    contact_kind = models.CharField(max_length=5, blank=True)
    contact = models.CharField(
        _("contact"), max_length=254, blank=True, help_text=_("Wiped after the visit.")
    )
    contact_record = models.ForeignKey(
        ContactRecord, on_delete=models.SET_NULL, null=True, blank=True, related_name="bookings"
    )
    otp_hash = models.CharField(max_length=64, blank=True)
    otp_sent_at = models.DateTimeField(null=True, blank=True)
    otp_sends = models.PositiveSmallIntegerField(default=0)
    otp_attempts = models.PositiveSmallIntegerField(default=0)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    reminded_day_at = models.DateTimeField(null=True, blank=True)
    reminded_soon_at = models.DateTimeField(null=True, blank=True)
    ticket = models.OneToOneField(
        "queueing.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="booking",
        verbose_name=_("ticket"),
    )
    rescheduled_from = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="rescheduled_to"
    )
    booked_by = models.ForeignKey(
        Employee, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")), name="booking_start_before_end"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["pending", "confirmed"])
                | ~Q(contact_kind="")
                | Q(channel="phone"),
                name="booking_online_has_contact",
            ),
        ]
        indexes = [
            models.Index(fields=["office", "start"], name="booking_office_start"),
            models.Index(fields=["status", "start"], name="booking_status_start"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


class BookingEvent(models.Model):
    """The audit trail of a booking: every change, who made it and when."""

    class Action(models.TextChoices):
        HELD = "held", _("slot held")
        CODE_SENT = "code_sent", _("code sent")
        CONFIRMED = "confirmed", _("confirmed")
        RESCHEDULED = "rescheduled", _("moved to another time")
        CANCELLED = "cancelled", _("cancelled")
        EXPIRED = "expired", _("not completed")
        CHECKED_IN = "checked_in", _("checked in")
        NO_SHOW = "no_show", _("did not come")
        REMINDED = "reminded", _("reminder sent")

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=12, choices=Action)
    at = models.DateTimeField(_("time"))
    employee = models.ForeignKey(
        Employee, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("booking event")
        verbose_name_plural = _("booking events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.booking} {self.action}"
