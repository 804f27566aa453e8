"""The service catalogue: offices, their windows and hours, service passports and life situations."""

from __future__ import annotations

import zoneinfo
from decimal import Decimal

import holidays
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from okno.core.fields import TranslatedField
from okno.core.i18n import tr


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            _("%(value)s is not a known time zone (use a name such as Europe/Kyiv)."),
            params={"value": value},
        ) from None


def validate_country(value: str) -> None:
    if value not in holidays.list_supported_countries():
        raise ValidationError(
            _("%(value)s is not a country code with a known public-holiday calendar."),
            params={"value": value},
        )


class Office(models.Model):
    """A service centre, a remote workplace or a mobile unit where citizens are served."""

    class Kind(models.TextChoices):
        CENTRE = "centre", _("service centre")
        REMOTE = "remote", _("remote workplace")
        MOBILE = "mobile", _("mobile unit")

    slug = models.SlugField(_("short name in addresses"), max_length=80, unique=True)
    name = TranslatedField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.CENTRE)
    address = TranslatedField(_("address"), max_length=300, blank=True)
    country = models.CharField(
        _("country"),
        max_length=2,
        validators=[validate_country],
        help_text=_(
            "ISO 3166 code (UA, PL, RU, KZ, ...): decides public holidays and legal terms."
        ),
    )
    subdivision = models.CharField(
        _("region code"),
        max_length=10,
        blank=True,
        help_text=_("Optional region code for regional public holidays."),
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default=settings.TIME_ZONE, validators=[validate_time_zone]
    )
    default_language = models.CharField(
        _("default language"),
        max_length=5,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    accessibility = TranslatedField(_("accessibility"), multiline=True, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="office_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="office_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return tr(self.name, self.default_language) or self.slug

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class OpeningHours(models.Model):
    """One opening interval on a weekday; several rows on one day describe a break."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["office", "weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=Q(opens__lt=models.F("closes")), name="hours_open_before_close"
            ),
            models.UniqueConstraint(
                fields=["office", "weekday", "opens"], name="hours_unique_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    def clean(self) -> None:
        # On the field, so that the form shows this message and not the bare name of the
        # database constraint (constraints on a field that failed are not checked again).
        if self.opens is not None and self.closes is not None and self.opens >= self.closes:
            raise ValidationError({"closes": _("The office must open before it closes.")})


class CalendarException(models.Model):
    """A date on which the office departs from its week: closed, shortened, or an extra working day."""

    class Kind(models.TextChoices):
        CLOSED = "closed", _("closed")
        SHORTENED = "shortened", _("shortened or special hours")
        WORKING = "working", _("extra working day")

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="calendar_exceptions")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    opens = models.TimeField(_("opens"), null=True, blank=True)
    closes = models.TimeField(_("closes"), null=True, blank=True)
    note = TranslatedField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        ordering = ["office", "date"]
        constraints = [
            models.UniqueConstraint(fields=["office", "date"], name="exception_one_per_day"),
            models.CheckConstraint(
                condition=(
                    Q(kind="closed", opens__isnull=True, closes__isnull=True)
                    | (
                        ~Q(kind="closed")
                        & Q(opens__isnull=False, closes__isnull=False, opens__lt=models.F("closes"))
                    )
                ),
                name="exception_hours_match_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}"

    def clean(self) -> None:
        if self.kind == self.Kind.CLOSED:
            if self.opens or self.closes:
                raise ValidationError(_("A closed day has no opening hours."))
        elif not (self.opens and self.closes):
            raise ValidationError(_("Give the opening and closing time for this day."))
        elif self.opens >= self.closes:
            raise ValidationError(_("The office must open before it closes."))


class ServicePoint(models.Model):
    """A window or desk in an office where an operator serves one visitor at a time."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="service_points")
    number = models.PositiveSmallIntegerField(_("number"), validators=[MinValueValidator(1)])
    label = models.CharField(
        _("label"), max_length=40, blank=True, help_text=_("Shown on the display board, e.g. “3A”.")
    )
    floor = models.CharField(_("floor"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("service point")
        verbose_name_plural = _("service points")
        ordering = ["office", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "number"], name="service_point_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="service_point_number_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.label or str(self.number)


class ServiceGroup(models.Model):
    """A family of services sharing a ticket letter (A: passports, B: residence, ...)."""

    prefix = models.CharField(
        _("ticket letter"),
        max_length=2,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{1,2}$", _("Use one or two capital Latin letters."))],
    )
    name = TranslatedField(_("name"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("service group")
        verbose_name_plural = _("service groups")
        ordering = ["order", "prefix"]

    def __str__(self) -> str:
        return f"{self.prefix} · {tr(self.name)}"


class Service(models.Model):
    """A public service and its passport: what it gives, what to bring, what it costs, how long."""

    class TermUnit(models.TextChoices):
        WORKING_DAYS = "working_days", _("working days")
        CALENDAR_DAYS = "calendar_days", _("calendar days")
        ON_THE_SPOT = "on_the_spot", _("on the spot")

    code = models.CharField(
        _("registry code"),
        max_length=32,
        unique=True,
        help_text=_("Identifier in the service registry."),
    )
    slug = models.SlugField(_("short name in addresses"), max_length=100, unique=True)
    group = models.ForeignKey(
        ServiceGroup, on_delete=models.PROTECT, related_name="services", verbose_name=_("group")
    )
    name = TranslatedField(_("name"), max_length=300)
    summary = TranslatedField(_("short description"), multiline=True, max_length=1000, blank=True)
    keywords = TranslatedField(
        _("search keywords"),
        max_length=500,
        blank=True,
        help_text=_("Other words people use for this service, separated by commas."),
    )
    is_free = models.BooleanField(_("free of charge"), default=True)
    fee_amount = models.DecimalField(
        _("fee"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    fee_currency = models.CharField(
        _("currency"),
        max_length=3,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{3}$", _("Use an ISO 4217 code such as UAH or PLN."))],
    )
    fee_legal_basis = TranslatedField(_("legal basis of the fee"), multiline=True, blank=True)
    term_value = models.PositiveIntegerField(_("statutory term"), default=0)
    term_unit = models.CharField(
        _("term unit"), max_length=16, choices=TermUnit, default=TermUnit.WORKING_DAYS
    )
    result = TranslatedField(_("result"), multiline=True, blank=True)
    result_delivery = TranslatedField(_("how the result is received"), multiline=True, blank=True)
    refusal_grounds = TranslatedField(_("grounds for refusal"), multiline=True, blank=True)
    legal_basis = TranslatedField(_("legal basis"), multiline=True, blank=True)
    provider = TranslatedField(_("responsible authority"), max_length=300, blank=True)
    responsible_official = models.CharField(
        _("responsible person"),
        max_length=200,
        blank=True,
        help_text=_("The named person who answers for this service, with their position."),
    )
    in_person = models.BooleanField(_("in person"), default=True)
    online = models.BooleanField(_("online"), default=False)
    online_url = models.URLField(_("online service address"), blank=True)
    by_post = models.BooleanField(_("by post"), default=False)
    bookable = models.BooleanField(
        _("pre-booking"), default=True, help_text=_("Citizens can book a visit for this service.")
    )
    handling_minutes = models.PositiveSmallIntegerField(
        _("typical handling time (minutes)"), default=15, validators=[MinValueValidator(1)]
    )
    max_wait_minutes = models.PositiveSmallIntegerField(
        _("maximum wait norm (minutes)"), default=15, validators=[MinValueValidator(1)]
    )
    offices = models.ManyToManyField(
        Office, related_name="services", blank=True, verbose_name=_("offered in")
    )
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("passport version"), default=1)
    last_reviewed = models.DateField(_("last reviewed"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(m2m_fields=[offices])

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["group__order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(is_free=True, fee_amount__isnull=True)
                    | Q(is_free=False, fee_amount__isnull=False, fee_amount__gt=0)
                    & ~Q(fee_currency="")
                ),
                name="service_fee_consistent",
            ),
            models.CheckConstraint(
                condition=Q(term_unit="on_the_spot", term_value=0)
                | (~Q(term_unit="on_the_spot") & Q(term_value__gte=1)),
                name="service_term_consistent",
            ),
            models.CheckConstraint(
                condition=Q(in_person=True) | Q(online=True) | Q(by_post=True),
                name="service_has_a_channel",
            ),
            models.CheckConstraint(
                condition=Q(bookable=False) | Q(in_person=True), name="service_bookable_in_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {tr(self.name)}"

    def clean(self) -> None:
        errors: dict[str, list[ValidationError]] = {}
        if self.is_free and self.fee_amount is not None:
            errors.setdefault("fee_amount", []).append(
                ValidationError(_("A free service has no fee amount."))
            )
        if not self.is_free:
            if self.fee_amount is None:
                errors.setdefault("fee_amount", []).append(
                    ValidationError(_("Give the fee amount."))
                )
            if not self.fee_currency:
                errors.setdefault("fee_currency", []).append(
                    ValidationError(_("Give the currency."))
                )
        if self.term_unit == self.TermUnit.ON_THE_SPOT and self.term_value:
            errors.setdefault("term_value", []).append(
                ValidationError(_("A service given on the spot has a term of 0."))
            )
        if self.term_unit != self.TermUnit.ON_THE_SPOT and not self.term_value:
            errors.setdefault("term_value", []).append(
                ValidationError(_("Give the statutory term."))
            )
        if not (self.in_person or self.online or self.by_post):
            errors.setdefault("in_person", []).append(
                ValidationError(_("Choose at least one channel."))
            )
        if self.bookable and not self.in_person:
            errors.setdefault("bookable", []).append(
                ValidationError(_("Only services delivered in person can be booked."))
            )
        if self.online and not self.online_url:
            errors.setdefault("online_url", []).append(
                ValidationError(_("Give the address where the service is available online."))
            )
        if errors:
            raise ValidationError(errors)


class RequiredDocument(models.Model):
    """One document the applicant brings (or the centre obtains) for a service, in passport order."""

    class Form(models.TextChoices):
        ORIGINAL = "original", _("original")
        COPY = "copy", _("copy")
        ORIGINAL_AND_COPY = "original_and_copy", _("original and copy")
        ELECTRONIC = "electronic", _("electronic document")

    class ObtainedBy(models.TextChoices):
        APPLICANT = "applicant", _("the applicant brings it")
        CENTRE = "centre", _("the centre obtains it from another authority")

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="documents")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name = TranslatedField(_("document"), max_length=300)
    form = models.CharField(_("form"), max_length=20, choices=Form, default=Form.ORIGINAL)
    mandatory = models.BooleanField(_("mandatory"), default=True)
    obtained_by = models.CharField(
        _("who obtains it"), max_length=10, choices=ObtainedBy, default=ObtainedBy.APPLICANT
    )
    note = TranslatedField(_("note"), multiline=True, blank=True)

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["service", "order", "id"]

    def __str__(self) -> str:
        return tr(self.name)


class LifeSituation(models.Model):
    """A moment in life that needs several services together: a birth, a move, a new business."""

    slug = models.SlugField(_("short name in addresses"), max_length=100, unique=True)
    name = TranslatedField(_("name"), max_length=200)
    description = TranslatedField(_("description"), multiline=True, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    services = models.ManyToManyField(
        Service, through="LifeSituationStep", related_name="life_situations"
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("life situation")
        verbose_name_plural = _("life situations")
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return tr(self.name)


class LifeSituationStep(models.Model):
    """A service within a life situation, in the order a person usually needs them."""

    situation = models.ForeignKey(LifeSituation, on_delete=models.CASCADE, related_name="steps")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    note = TranslatedField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["situation", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["situation", "service"], name="situation_service_once"),
        ]

    def __str__(self) -> str:
        return tr(self.service.name)
