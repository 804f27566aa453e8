"""Employees of the centres: role, offices, competencies, and their API tokens."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from okno.catalog.models import Office, Service, ServicePoint


class Role(models.TextChoices):
    OPERATOR = "operator", _("operator (front office)")
    BACK_OFFICE = "back_office", _("back office")
    HEAD = "head", _("head of office")
    ANALYST = "analyst", _("analyst")
    ADMINISTRATOR = "administrator", _("administrator")


#: Roles whose holders see every office, not only their own.
ALL_OFFICE_ROLES = frozenset({Role.ANALYST, Role.ADMINISTRATOR})


class Employee(models.Model):
    """A person working for the centres; the login is the Django user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="employee"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role)
    position = models.CharField(_("position"), max_length=200, blank=True)
    offices = models.ManyToManyField(
        Office, related_name="employees", blank=True, verbose_name=_("offices")
    )
    home_service_point = models.ForeignKey(
        ServicePoint,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("usual service point"),
    )
    competencies = models.ManyToManyField(
        Service, through="Competency", related_name="competent_employees", blank=True
    )
    history = HistoricalRecords(m2m_fields=[offices])

    class Meta:
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        ordering = ["user__last_name", "user__first_name", "user__username"]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    @property
    def sees_all_offices(self) -> bool:
        return self.role in ALL_OFFICE_ROLES


class Competency(models.Model):
    """This employee may deliver this service."""

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="competency_set")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="competency_set")
    granted_on = models.DateField(_("granted on"), default=timezone.localdate)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("competency")
        verbose_name_plural = _("competencies")
        ordering = ["employee", "service__code"]
        constraints = [
            models.UniqueConstraint(fields=["employee", "service"], name="competency_once"),
        ]

    def __str__(self) -> str:
        return f"{self.employee} · {self.service.code}"


class ApiToken(models.Model):
    """A bearer token for the API; only its SHA-256 hash is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(
        _("prefix"), max_length=12, help_text=_("Start of the token, to recognise it.")
    )
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_at__gte=models.F("created_at")),
                name="token_revoked_after_created",
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
