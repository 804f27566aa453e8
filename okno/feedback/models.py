"""Feedback: ratings of visits on the five criteria, follow-ups of low ratings, complaints.

Ratings carry no name: a rating belongs to a visit (a ticket) or to a closed application (a
case), and the optional self-description (age band, gender, disability) is there only for
disaggregated statistics. Complaints keep the least contact a reply needs, visible only to the
staff handling them, and every change to one leaves a `ComplaintEvent`.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from okno.catalog.models import Office, Service, ServicePoint
from okno.staff.models import Employee

#: The five criteria of "Ваш контроль" (Government Resolution 1284), in the order they are asked.
CRITERIA = ("service_time", "waiting_time", "politeness", "comfort", "information")

#: The anchor words shown under 1..5.
SCORE_WORDS = {
    1: _("Very bad"),
    2: _("Bad"),
    3: _("Normal"),
    4: _("Good"),
    5: _("Excellent"),
}


def _score(verbose_name: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        verbose_name, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )


class FeedbackSettings(models.Model):
    """An office's feedback rules; an office without a row uses the defaults."""

    office = models.OneToOneField(
        Office, on_delete=models.CASCADE, primary_key=True, related_name="feedback_settings"
    )
    rating_window_days = models.PositiveSmallIntegerField(
        _("a visit can be rated for (days)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    low_score = models.PositiveSmallIntegerField(
        _("a score at or below this asks for a follow-up"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    complaints_handler = models.ForeignKey(
        Employee,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("complaints go to"),
        help_text=_("Empty: the head of the office."),
    )

    class Meta:
        verbose_name = _("feedback rules")
        verbose_name_plural = _("feedback rules")

    def __str__(self) -> str:
        return str(self.office)


class Rating(models.Model):
    """One visitor's rating of one visit, or of one application once it is closed."""

    class Channel(models.TextChoices):
        TABLET = "tablet", _("tablet at the service point")
        LINK = "link", _("link or QR code on the ticket")
        MESSAGE = "message", _("link in a message")
        PHONE = "phone", _("by phone, entered by staff")
        TERMINAL = "terminal", _("rating terminal")

    class AgeBand(models.TextChoices):
        UNDER_18 = "under_18", _("under 18")
        FROM_18 = "18_34", _("18–34")
        FROM_35 = "35_59", _("35–59")
        FROM_60 = "60_74", _("60–74")
        FROM_75 = "75_plus", _("75 or older")

    class Gender(models.TextChoices):
        WOMAN = "woman", _("woman")
        MAN = "man", _("man")
        OTHER = "other", pgettext_lazy("gender", "other")

    class Disability(models.TextChoices):
        YES = "yes", _("yes")
        NO = "no", _("no")

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="ratings")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="ratings")
    ticket = models.OneToOneField(
        "queueing.Ticket",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rating",
        verbose_name=_("visit"),
    )
    # A rating outlives its application (it is statistics): deleting the case keeps the row.
    case = models.OneToOneField(
        "cases.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rating",
        verbose_name=_("application"),
    )
    employee = models.ForeignKey(
        Employee, on_delete=models.SET_NULL, null=True, blank=True, related_name="ratings"
    )
    service_point = models.ForeignKey(
        ServicePoint, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel)
    service_time = _score(_("service time"))
    waiting_time = _score(_("waiting time in the queue"))
    politeness = _score(_("politeness and competence of the employee"))
    comfort = _score(_("comfort of the premises"))
    information = _score(_("information about the procedure"))
    recommend = models.PositiveSmallIntegerField(
        _("would recommend the centre (0–10)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(10)],
    )
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    age_band = models.CharField(_("age"), max_length=10, choices=AgeBand, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender, blank=True)
    disability = models.CharField(_("disability"), max_length=3, choices=Disability, blank=True)
    client_id = models.CharField(
        _("terminal's id of the rating"),
        max_length=64,
        null=True,
        blank=True,
        unique=True,
        help_text=_("Sent by offline terminals so that an upload repeated is stored once."),
    )
    visited_on = models.DateField(_("visit day"))
    rated_at = models.DateTimeField(_("rated"))
    entered_by = models.ForeignKey(
        Employee, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-rated_at", "-pk"]
        constraints = [
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{name}__gte": 1, f"{name}__lte": 5}),
                    name=f"rating_{name}_1_to_5",
                )
                for name in CRITERIA
            ),
            models.CheckConstraint(
                condition=Q(recommend__isnull=True) | Q(recommend__lte=10),
                name="rating_recommend_0_to_10",
            ),
            # A rating is of a visit or of an application, never both: the visit at intake
            # keeps its own rating.
            models.CheckConstraint(
                condition=Q(ticket__isnull=True) | Q(case__isnull=True),
                name="rating_of_visit_or_case",
            ),
        ]
        indexes = [models.Index(fields=["office", "visited_on"], name="rating_office_day")]

    def __str__(self) -> str:
        return f"{self.office_id} {self.visited_on} {self.scores()}"

    def scores(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in CRITERIA}

    @property
    def lowest(self) -> int:
        return min(self.scores().values())


class FollowUp(models.Model):
    """An unhappy visitor to call back: opened by a low rating, closed by the head with a note."""

    class Status(models.TextChoices):
        OPEN = "open", _("to do")
        DONE = "done", _("done")

    rating = models.OneToOneField(Rating, on_delete=models.CASCADE, related_name="follow_up")
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="follow_ups")
    status = models.CharField(_("status"), max_length=5, choices=Status, default=Status.OPEN)
    note = models.TextField(_("what was done"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("opened"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        Employee, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["status", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True)
                | Q(status="done", closed_at__isnull=False),
                name="follow_up_closed_iff_done",
            )
        ]

    def __str__(self) -> str:
        return f"{self.office_id} {self.created_at:%Y-%m-%d} {self.status}"


class DeadlineRule(models.Model):
    """How long a centre in a country has to answer a complaint, by law (a configurable table)."""

    class Unit(models.TextChoices):
        CALENDAR_DAYS = "calendar_days", _("calendar days")
        WORKING_DAYS = "working_days", _("working days")
        MONTHS = "months", _("months")

    country = models.CharField(_("country"), max_length=2, unique=True)
    days = models.PositiveSmallIntegerField(_("answer within"), validators=[MinValueValidator(1)])
    unit = models.CharField(_("unit"), max_length=14, choices=Unit, default=Unit.CALENDAR_DAYS)
    extension_days = models.PositiveSmallIntegerField(_("extension allowed (same unit)"), default=0)
    max_days = models.PositiveSmallIntegerField(
        _("never later than (same unit, 0: no cap)"), default=0
    )
    remind_days_before = models.PositiveSmallIntegerField(
        _("alert this many days before the deadline"), default=3
    )
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("complaint deadline rule")
        verbose_name_plural = _("complaint deadline rules")
        ordering = ["country"]

    def __str__(self) -> str:
        return f"{self.country}: {self.days} {self.get_unit_display()}"


class Complaint(models.Model):
    """A complaint or a suggestion about an office, a service or a visit."""

    class Kind(models.TextChoices):
        COMPLAINT = "complaint", _("complaint")
        SUGGESTION = "suggestion", _("suggestion")
        GRATITUDE = "gratitude", _("thanks")

    class Category(models.TextChoices):
        WAITING = "waiting", _("waiting and queue")
        STAFF = "staff", _("staff behaviour or competence")
        RESULT = "result", _("the result or a refusal")
        DEADLINE = "deadline", _("deadline not kept")
        DOCUMENTS = "documents", _("documents demanded")
        PREMISES = "premises", _("premises and accessibility")
        INFORMATION = "information", _("information about services")
        BOOKING = "booking", _("booking and the website")
        CORRUPTION = "corruption", _("corruption or unlawful demands")
        OTHER = "other", pgettext_lazy("complaint category", "other")

    class Channel(models.TextChoices):
        PORTAL = "portal", _("website")
        PAPER = "paper", _("on paper")
        PHONE = "phone", _("by phone")
        OPEN311 = "open311", _("Open311 client")

    class Status(models.TextChoices):
        RECEIVED = "received", _("received")
        IN_REVIEW = "in_review", _("in review")
        ANSWERED = "answered", _("answered")
        CLOSED = "closed", pgettext_lazy("appeal status", "closed")
        FORWARDED = "forwarded", _("forwarded to another authority")
        REJECTED = "rejected", _("rejected")

    code = models.CharField(_("reference"), max_length=12, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.COMPLAINT)
    category = models.CharField(_("category"), max_length=12, choices=Category)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="complaints")
    service = models.ForeignKey(
        Service, on_delete=models.SET_NULL, null=True, blank=True, related_name="complaints"
    )
    ticket = models.ForeignKey(
        "queueing.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("visit"),
    )
    employee_concerned = models.ForeignKey(
        Employee, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField(_("text"), max_length=5000)
    channel = models.CharField(_("received"), max_length=8, choices=Channel)
    language = models.CharField(_("language"), max_length=5)
    contact_kind = models.CharField(max_length=5, blank=True)
    contact = models.CharField(
        _("contact for the answer"),
        max_length=254,
        blank=True,
        help_text=_("Seen only by the staff handling the complaint; wiped when it is closed."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.RECEIVED)
    assignee = models.ForeignKey(
        Employee,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_complaints",
        verbose_name=_("handled by"),
    )
    received_at = models.DateTimeField(_("received"))
    deadline = models.DateField(_("answer due"))
    extended = models.BooleanField(_("deadline extended"), default=False)
    answer = models.TextField(_("answer"), max_length=10000, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reason = models.CharField(
        _("reason"), max_length=500, blank=True, help_text=_("Why rejected or where forwarded.")
    )
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    reminded_before_at = models.DateTimeField(null=True, blank=True)
    reminded_overdue_at = models.DateTimeField(null=True, blank=True)
    client_id = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("complaint or suggestion")
        verbose_name_plural = _("complaints and suggestions")
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["office", "status"], name="complaint_office_status"),
            models.Index(fields=["status", "deadline"], name="complaint_status_deadline"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="answered") | ~Q(answer=""),
                name="complaint_answered_has_answer",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["rejected", "forwarded"]) | ~Q(reason=""),
                name="complaint_rejected_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class ComplaintEvent(models.Model):
    """The audit trail of a complaint: every change, who made it and when."""

    class Action(models.TextChoices):
        RECEIVED = "received", _("received")
        ASSIGNED = "assigned", _("assigned")
        REVIEW_STARTED = "review", _("review started")
        EXTENDED = "extended", _("deadline extended")
        ANSWERED = "answered", _("answered")
        CLOSED = "closed", pgettext_lazy("appeal status", "closed")
        FORWARDED = "forwarded", _("forwarded")
        REJECTED = "rejected", _("rejected")
        ALERTED = "alerted", _("deadline alert")
        NOTE = "note", _("note")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=10, choices=Action)
    at = models.DateTimeField(_("time"))
    employee = models.ForeignKey(
        Employee, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("complaint event")
        verbose_name_plural = _("complaint events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.complaint} {self.action}"


class RatingInvitation(models.Model):
    """A "rate your visit" message sent after a served visit; its row makes sure it goes once."""

    ticket = models.OneToOneField(
        "queueing.Ticket", on_delete=models.CASCADE, related_name="rating_invitation"
    )
    sent_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.sent_at:%Y-%m-%d %H:%M}"


class PainReport(models.Model):
    """One run of the pains analysis: topics found in comments and complaints, and hotspots.

    `result` holds what the page shows (topics with top words, examples, counts, trend and
    concentration; hotspots with their confidence), so the page reads one row.
    """

    office = models.ForeignKey(
        Office,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: all offices."),
    )
    computed_at = models.DateTimeField(_("computed"))
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    texts = models.PositiveIntegerField(_("texts analysed"), default=0)
    result = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("pains report")
        verbose_name_plural = _("pains reports")
        ordering = ["-computed_at"]
        indexes = [models.Index(fields=["office", "-computed_at"], name="pain_report_latest")]

    def __str__(self) -> str:
        return f"{self.office_id or 'all'} {self.computed_at:%Y-%m-%d %H:%M}"
