"""Tickets in the live queue, their history, priority categories and the service points at work."""

from __future__ import annotations

import datetime as dt

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from okno.catalog.models import Office, Service, ServicePoint
from okno.core.fields import TranslatedField
from okno.core.i18n import tr
from okno.staff.models import Employee


class QueueSettings(models.Model):
    """An office's queue rules; an office without a row uses the defaults."""

    office = models.OneToOneField(
        Office, on_delete=models.CASCADE, primary_key=True, related_name="queue_settings"
    )
    no_show_after_recalls = models.PositiveSmallIntegerField(
        _("no-show allowed after this many repeated calls"),
        default=1,
        validators=[MaxValueValidator(10)],
    )
    no_show_after_minutes = models.PositiveSmallIntegerField(
        _("or after this many minutes since the call"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    wait_norm_minutes = models.PositiveSmallIntegerField(
        _("waiting time norm (minutes)"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text=_("The monitor highlights visitors who have waited longer."),
    )
    booked_wait_norm_minutes = models.PositiveSmallIntegerField(
        _("waiting time norm for booked visits (minutes)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text=_("A visitor who booked a time should be called within this after checking in."),
    )
    issue_outside_hours = models.BooleanField(
        _("issue tickets outside opening hours"),
        default=False,
        help_text=_("Off: the kiosk refuses tickets while the office is closed."),
    )

    class Meta:
        verbose_name = _("queue settings")
        verbose_name_plural = _("queue settings")

    def __str__(self) -> str:
        return str(self.office)


class PriorityCategory(models.Model):
    """Visitors served ahead of others (disability, pregnancy, ...): a head start in minutes.

    A ticket with weight W is ordered as if it had arrived W minutes earlier. The head start is
    bounded, so everybody who has waited W minutes longer still goes first: priority never starves
    the others.
    """

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="priority_categories")
    code = models.SlugField(_("code"), max_length=40)
    name = TranslatedField(_("name"), max_length=120)
    weight_minutes = models.PositiveSmallIntegerField(
        _("head start in minutes"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("priority category")
        verbose_name_plural = _("priority categories")
        ordering = ["office", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["office", "code"], name="priority_code_per_office"),
            models.CheckConstraint(
                condition=Q(weight_minutes__gte=1, weight_minutes__lte=240),
                name="priority_weight_range",
            ),
        ]

    def __str__(self) -> str:
        return tr(self.name) or self.code


class Ticket(models.Model):
    """One visitor's turn for one service at one office.

    A transfer closes the ticket (outcome "transferred") and opens a successor for the new
    service that keeps the number, the citizen's code and the original waiting time.
    """

    class Source(models.TextChoices):
        KIOSK = "kiosk", _("kiosk")
        BOOKING = "booking", _("booking")
        STAFF = "staff", _("staff")
        PHONE = "phone", _("phone")

    class State(models.TextChoices):
        WAITING = "waiting", _("waiting")
        CALLED = "called", _("called")
        SERVING = "serving", _("being served")
        DONE = "done", _("done")

    class Outcome(models.TextChoices):
        SERVED = "served", _("served")
        NO_SHOW = "no_show", _("did not come")
        CANCELLED = "cancelled", _("cancelled")
        TRANSFERRED = "transferred", _("transferred")

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="tickets")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="tickets")
    service_day = models.DateField(_("day"), help_text=_("The office's local date of issue."))
    prefix = models.CharField(_("letter"), max_length=2)
    number = models.PositiveIntegerField(_("number"))
    label = models.CharField(_("ticket"), max_length=8)
    code = models.CharField(_("citizen's code"), max_length=16, db_index=True)
    source = models.CharField(_("source"), max_length=10, choices=Source, default=Source.KIOSK)
    priority = models.ForeignKey(
        PriorityCategory,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("priority"),
    )
    priority_weight = models.PositiveSmallIntegerField(
        _("head start in minutes"), default=0, help_text=_("Frozen when the ticket was issued.")
    )
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.WAITING)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome, blank=True)
    issued_at = models.DateTimeField(_("issued"))
    waiting_since = models.DateTimeField(
        _("waiting since"), help_text=_("When the visitor started waiting; kept on transfer.")
    )
    queue_key = models.DateTimeField(
        _("place in the queue"),
        help_text=_("Waiting since, minus the priority head start: the queue is ordered by it."),
    )
    called_at = models.DateTimeField(_("first called"), null=True, blank=True)
    last_called_at = models.DateTimeField(_("last called"), null=True, blank=True)
    recall_count = models.PositiveSmallIntegerField(_("repeated calls"), default=0)
    started_at = models.DateTimeField(_("service started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    service_point = models.ForeignKey(
        ServicePoint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("service point"),
    )
    employee = models.ForeignKey(
        Employee,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("served by"),
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    transferred_from = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transferred_to",
        verbose_name=_("transferred from"),
    )

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            # Numbering: one number per letter per office per day, whatever the concurrency.
            # A transfer's successor shares its predecessor's number and code.
            models.UniqueConstraint(
                fields=["office", "service_day", "prefix", "number"],
                condition=Q(transferred_from__isnull=True),
                name="ticket_number_once_per_day",
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(transferred_from__isnull=True),
                name="ticket_code_unique",
            ),
            # A service point holds at most one ticket at a time.
            models.UniqueConstraint(
                fields=["service_point"],
                condition=Q(state__in=["called", "serving"]),
                name="one_ticket_in_hand_per_service_point",
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="ticket_number_positive"),
            models.CheckConstraint(
                condition=(Q(state="done") & ~Q(outcome="")) | (~Q(state="done") & Q(outcome="")),
                name="ticket_outcome_iff_done",
            ),
            models.CheckConstraint(
                condition=Q(state="waiting")
                | Q(state="done", outcome__in=["cancelled"])
                | Q(called_at__isnull=False),
                name="ticket_called_has_call_time",
            ),
        ]
        indexes = [
            models.Index(fields=["office", "state", "queue_key"], name="ticket_queue_order"),
            models.Index(fields=["office", "service_day"], name="ticket_office_day"),
        ]

    def __str__(self) -> str:
        return self.label

    def waited(self, until: dt.datetime) -> dt.timedelta:
        """How long the visitor has waited (or had waited when first called)."""
        return (self.called_at or until) - self.waiting_since


class TicketEvent(models.Model):
    """The audit trail of a ticket: every transition, who did it, where and when."""

    class Action(models.TextChoices):
        ISSUED = "issued", _("issued")
        CALLED = "called", _("called")
        RECALLED = "recalled", _("called again")
        STARTED = "started", _("service started")
        FINISHED = "finished", _("finished")
        NO_SHOW = "no_show", _("did not come")
        CANCELLED = "cancelled", _("cancelled")
        TRANSFERRED = "transferred", _("transferred")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=12, choices=Action)
    at = models.DateTimeField(_("time"))
    employee = models.ForeignKey(
        Employee, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    service_point = models.ForeignKey(
        ServicePoint, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["ticket", "at"], name="ticket_event_order")]

    def __str__(self) -> str:
        return f"{self.ticket} {self.action}"


class TicketSequence(models.Model):
    """The last number handed out per office, day and letter; its row lock serialises issuing."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    service_day = models.DateField()
    prefix = models.CharField(max_length=2)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["office", "service_day", "prefix"], name="ticket_sequence_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.office_id} {self.service_day} {self.prefix}: {self.last_number}"


class PauseReason(models.TextChoices):
    BREAK = "break", _("short break")
    LUNCH = "lunch", _("lunch")
    BACK_OFFICE = "back_office", _("back-office work")
    CONSULTATION = "consultation", _("consulting a colleague")
    TRAINING = "training", _("training")
    TECHNICAL = "technical", _("technical problem")
    OTHER = "other", _("other")


class DeskSession(models.Model):
    """An employee working at a service point, from opening it to closing it."""

    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="desk_sessions")
    service_point = models.ForeignKey(
        ServicePoint, on_delete=models.PROTECT, related_name="desk_sessions"
    )
    opened_at = models.DateTimeField(_("opened"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    paused_at = models.DateTimeField(_("paused since"), null=True, blank=True)
    pause_reason = models.CharField(
        _("pause reason"), max_length=20, choices=PauseReason, blank=True
    )

    class Meta:
        verbose_name = _("desk session")
        verbose_name_plural = _("desk sessions")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["service_point"],
                condition=Q(closed_at__isnull=True),
                name="one_open_session_per_service_point",
            ),
            models.UniqueConstraint(
                fields=["employee"],
                condition=Q(closed_at__isnull=True),
                name="one_open_session_per_employee",
            ),
            models.CheckConstraint(
                condition=Q(paused_at__isnull=True, pause_reason="")
                | Q(paused_at__isnull=False) & ~Q(pause_reason=""),
                name="session_pause_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee} @ {self.service_point}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None


class DeskPause(models.Model):
    """A pause in a desk session (kept for the analysis of operators' time)."""

    session = models.ForeignKey(DeskSession, on_delete=models.CASCADE, related_name="pauses")
    reason = models.CharField(_("reason"), max_length=20, choices=PauseReason)
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        verbose_name = _("pause")
        verbose_name_plural = _("pauses")
        ordering = ["started_at"]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} {self.started_at:%H:%M}"
