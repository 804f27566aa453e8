"""Applications (cases) from intake to result: who decides them, by when, and what happened.

The front office registers a case for a service; the back-office unit responsible for that
service at that office decides it within the statutory term; the centre hands out the result.
Every change is a `CaseEvent` (the audit trail) written by `okno.cases.services`.
"""

from __future__ import annotations

import os

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from okno.catalog.models import Office, RequiredDocument, Service, ServicePoint
from okno.core.fields import TranslatedField
from okno.core.i18n import tr
from okno.staff.models import Employee


class ProviderUnit(models.Model):
    """A back-office unit (a department of the service provider) that decides applications."""

    name = TranslatedField(_("name"), max_length=200)
    offices = models.ManyToManyField(
        Office, related_name="provider_units", verbose_name=_("serves the offices")
    )
    head = models.ForeignKey(
        Employee,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="headed_units",
        verbose_name=_("head of the unit"),
        help_text=_("Answers for the unit's cases that nobody has taken yet."),
    )
    members = models.ManyToManyField(
        Employee, related_name="provider_units", blank=True, verbose_name=_("members")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("back-office unit")
        verbose_name_plural = _("back-office units")
        ordering = ["pk"]

    def __str__(self) -> str:
        return tr(self.name) or f"#{self.pk}"


class Routing(models.Model):
    """Where a service's applications go: a unit, and optionally the employee who takes them.

    A rule for an office wins over the service's rule for every office (office left empty).
    Without an employee the case lands in the unit's pool, which its members take from.
    """

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="case_routings", verbose_name=_("service")
    )
    office = models.ForeignKey(
        Office,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="case_routings",
        verbose_name=_("office"),
        help_text=_("Empty: every office."),
    )
    unit = models.ForeignKey(
        ProviderUnit,
        on_delete=models.PROTECT,
        related_name="routings",
        verbose_name=_("back-office unit"),
    )
    assignee = models.ForeignKey(
        Employee,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible employee"),
        help_text=_("Empty: the case goes to the unit's pool."),
    )

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["service__code", "office__slug"]
        constraints = [
            models.UniqueConstraint(fields=["service", "office"], name="routing_once_per_office"),
            models.UniqueConstraint(
                fields=["service"], condition=Q(office__isnull=True), name="routing_once_default"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service.code} → {self.unit}"


class CaseRules(models.Model):
    """How applications for one service are taken: applicant data, deadline pauses, alerts."""

    class Need(models.TextChoices):
        NO = "no", _("not asked")
        OPTIONAL = "optional", _("optional")
        REQUIRED = "required", _("required")

    service = models.OneToOneField(
        Service, on_delete=models.CASCADE, related_name="case_rules", verbose_name=_("service")
    )
    applicant_name = models.CharField(
        _("applicant's name"), max_length=8, choices=Need, default=Need.REQUIRED
    )
    applicant_contact = models.CharField(
        _("phone or e-mail"), max_length=8, choices=Need, default=Need.OPTIONAL
    )
    identifier = models.CharField(_("identifier"), max_length=8, choices=Need, default=Need.NO)
    identifier_label = TranslatedField(
        _("identifier's name"),
        max_length=100,
        blank=True,
        help_text=_("What the identifier is, e.g. PESEL, tax number, vehicle VIN."),
    )
    pause_for_applicant = models.BooleanField(
        _("the term pauses while the applicant is asked for something"), default=True
    )
    pause_for_agency = models.BooleanField(
        _("the term pauses while another agency is asked"), default=True
    )

    class Meta:
        verbose_name = _("application rules")
        verbose_name_plural = _("application rules")

    def __str__(self) -> str:
        return str(self.service)


class CaseSettings(models.Model):
    """An office's rules for cases: alerts before the deadline, and how results are picked up."""

    office = models.OneToOneField(
        Office, on_delete=models.CASCADE, related_name="case_settings", verbose_name=_("office")
    )
    alert_working_days_before = models.PositiveSmallIntegerField(
        _("alert this many working days before the deadline"),
        default=2,
        validators=[MaxValueValidator(30)],
    )
    pickup_service = models.ForeignKey(
        Service,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service for picking up results"),
        help_text=_(
            "Citizens whose result is ready book or take a ticket for this service. Empty: for "
            "the application's own service."
        ),
    )
    max_file_mb = models.PositiveSmallIntegerField(
        _("largest attachment (MB)"), default=10, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("case settings")
        verbose_name_plural = _("case settings")

    def __str__(self) -> str:
        return str(self.office)


class CaseCounter(models.Model):
    """The last case number given per office and year; its row lock serialises registrations."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["office", "year"], name="case_counter_once"),
        ]

    def __str__(self) -> str:
        return f"{self.office_id}/{self.year}: {self.last}"


#: Cases whose term is running: the decision is owed and nobody is waited for. The statuses are
#: `OPEN_STATUSES`' (defined after the model, which names them); the work lists filter by exactly
#: this condition, so PostgreSQL can use the partial indexes below.
RUNNING = Q(
    status__in=["registered", "sent", "in_progress", "waiting_applicant", "waiting_agency"],
    paused_on__isnull=True,
)


class Case(models.Model):
    """An application for a service, from intake at the front office to the result handed out."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("registered")
        SENT = "sent", _("sent to the provider")
        IN_PROGRESS = "in_progress", _("in progress")
        WAITING_APPLICANT = "waiting_applicant", _("waiting for the applicant")
        WAITING_AGENCY = "waiting_agency", _("waiting for another agency")
        DECIDED = "decided", _("decided")
        READY = "ready", _("result ready")
        ISSUED = "issued", _("result handed out")
        CLOSED = "closed", pgettext_lazy("application status", "closed")
        WITHDRAWN = "withdrawn", _("withdrawn")

    class Decision(models.TextChoices):
        GRANTED = "granted", _("granted")
        REFUSED = "refused", _("refused")

    class Channel(models.TextChoices):
        IN_PERSON = "in_person", _("in person")
        POST = "post", _("by post")
        ONLINE = "online", _("online")

    class Delivery(models.TextChoices):
        AT_CENTRE = "at_centre", _("at the centre")
        POST = "post", _("by post")
        ELECTRONIC = "electronic", _("electronically")

    number = models.CharField(_("case number"), max_length=40, unique=True)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    code = models.CharField(_("applicant's code"), max_length=12, unique=True)
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="cases", verbose_name=_("office")
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="cases", verbose_name=_("service")
    )
    ticket = models.ForeignKey(
        "queueing.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("visit"),
    )
    channel = models.CharField(
        _("received"), max_length=10, choices=Channel, default=Channel.IN_PERSON
    )
    language = models.CharField(_("applicant's language"), max_length=5)
    applicant_name = models.CharField(_("applicant"), max_length=200, blank=True)
    contact_kind = models.CharField(max_length=5, blank=True)
    contact = models.CharField(
        _("phone or e-mail"),
        max_length=254,
        blank=True,
        help_text=_("For messages about the case; wiped when the case is closed."),
    )
    identifier = models.CharField(_("identifier"), max_length=64, blank=True)
    missing_documents_reason = models.CharField(
        _("accepted without mandatory documents because"), max_length=500, blank=True
    )
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.REGISTERED)
    unit = models.ForeignKey(
        ProviderUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("back-office unit"),
    )
    assignee = models.ForeignKey(
        Employee,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("responsible employee"),
    )
    registered_at = models.DateTimeField(_("registered"))
    registered_by = models.ForeignKey(
        Employee,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
    )
    deadline = models.DateField(_("due"))
    paused_on = models.DateField(_("term paused since"), null=True, blank=True)
    waiting_for = models.CharField(_("waiting for"), max_length=500, blank=True)
    decision = models.CharField(_("decision"), max_length=8, choices=Decision, blank=True)
    grounds = models.TextField(_("grounds of the refusal"), max_length=5000, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    delivery = models.CharField(
        _("result delivered"), max_length=10, choices=Delivery, default=Delivery.AT_CENTRE
    )
    pickup_point = models.ForeignKey(
        ServicePoint,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("result handed out at"),
    )
    ready_at = models.DateTimeField(_("result ready"), null=True, blank=True)
    issued_at = models.DateTimeField(_("handed out"), null=True, blank=True)
    closed_at = models.DateTimeField(
        pgettext_lazy("application status", "closed"), null=True, blank=True
    )
    alerted_before_at = models.DateTimeField(null=True, blank=True)
    alerted_overdue_at = models.DateTimeField(null=True, blank=True)
    intake_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-registered_at", "-pk"]
        indexes = [
            # The work lists: cases of an office (or a unit, or a person) by status and deadline.
            models.Index(fields=["office", "status", "deadline"], name="case_office_due"),
            models.Index(fields=["unit", "status", "deadline"], name="case_unit_due"),
            models.Index(fields=["assignee", "status", "deadline"], name="case_assignee_due"),
            # Overdue and due soon: the running cases (open, not paused) in deadline order, so a
            # page is read in order, not sorted out of every open case of the office or unit.
            models.Index(
                fields=["office", "deadline"], name="case_office_running", condition=RUNNING
            ),
            models.Index(fields=["unit", "deadline"], name="case_unit_running", condition=RUNNING),
        ]
        constraints = [
            models.UniqueConstraint(fields=["office", "year", "sequence"], name="case_number_once"),
            models.CheckConstraint(
                condition=~Q(status__in=["decided", "ready", "issued", "closed"]) | ~Q(decision=""),
                name="case_decided_has_decision",
            ),
            models.CheckConstraint(
                condition=~Q(decision="refused") | ~Q(grounds=""),
                name="case_refusal_has_grounds",
            ),
            models.CheckConstraint(
                condition=Q(paused_on__isnull=True)
                | Q(status__in=["waiting_applicant", "waiting_agency"]),
                name="case_paused_only_while_waiting",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        """The back office still owes a decision."""
        return self.status in OPEN_STATUSES


#: Statuses in which the decision is still owed: these count against the deadline.
OPEN_STATUSES = (
    Case.Status.REGISTERED,
    Case.Status.SENT,
    Case.Status.IN_PROGRESS,
    Case.Status.WAITING_APPLICANT,
    Case.Status.WAITING_AGENCY,
)
WAITING_STATUSES = (Case.Status.WAITING_APPLICANT, Case.Status.WAITING_AGENCY)


class CasePause(models.Model):
    """A stretch of time in which the term did not run (waiting for the applicant or an agency)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="pauses")
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        ordering = ["started_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="case_pause_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.started_on}–{self.ended_on or ''}"


class ReceivedDocument(models.Model):
    """One document of the passport's checklist that the front office received, and in what form."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    document = models.ForeignKey(
        RequiredDocument, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("document"), max_length=300)
    form = models.CharField(_("received as"), max_length=20, choices=RequiredDocument.Form)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("received document")
        verbose_name_plural = _("received documents")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name


def _attachment_path(instance: CaseFile, filename: str) -> str:
    # The stored name is random: the citizen's file name may carry personal data.
    extension = os.path.splitext(filename)[1].lower()[:8]
    return f"cases/{instance.case.year}/{instance.case.code}/{os.urandom(8).hex()}{extension}"


class CaseFile(models.Model):
    """A file attached to a case: a scan of a received document, the decision, a letter."""

    class Kind(models.TextChoices):
        SCAN = "scan", _("scan of a received document")
        DECISION = "decision", _("decision")
        LETTER = "letter", _("letter or request")
        OTHER = "other", pgettext_lazy("attachment kind", "other")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.SCAN)
    file = models.FileField(_("file"), upload_to=_attachment_path, max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_at = models.DateTimeField(_("attached"))
    uploaded_by = models.ForeignKey(
        Employee, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name


class CaseEvent(models.Model):
    """The audit trail of a case: every change, who made it and when."""

    class Action(models.TextChoices):
        REGISTERED = "registered", _("registered")
        TRANSITION = "transition", _("status changed")
        ASSIGNED = "assigned", _("assigned")
        TAKEN = "taken", _("taken from the pool")
        FILE = "file", _("file attached")
        ALERTED = "alerted", _("deadline alert")
        NOTE = "note", _("note")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=12, choices=Action)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    at = models.DateTimeField(_("time"))
    employee = models.ForeignKey(
        Employee, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["case", "at"], name="case_event_trail")]

    def __str__(self) -> str:
        return f"{self.case} {self.action}"
