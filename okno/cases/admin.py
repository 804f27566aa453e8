"""Admin for cases: administrators set up back-office units, routing and application rules; heads
set their offices' case settings; cases are shown read-only with their trail, for audit (they
change only through the case services, which keep deadlines, pauses and the trail right)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Count, ForeignKey, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from okno.cases.models import (
    Case,
    CaseEvent,
    CaseRules,
    CaseSettings,
    ProviderUnit,
    ReceivedDocument,
    Routing,
)
from okno.cases.selectors import visible_cases
from okno.catalog.models import Service
from okno.core.admin import OfficeScopedAdmin, ReadOnlyMixin, ScopedRelatedFieldListFilter
from okno.core.i18n import tr
from okno.core.scoping import visible_office_ids
from okno.notifications.contact import mask

# --- set-up: units, routing, rules ---------------------------------------------------------------


class ProviderUnitForm(forms.ModelForm):
    class Meta:
        model = ProviderUnit
        fields = ["name", "is_active", "offices", "head", "members"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # A routing rule names an employee of this unit: taking them out of the unit would leave
        # the rule sending cases to someone who no longer belongs to it.
        if self.instance.pk and ("members" in cleaned or "head" in cleaned):
            staying = {employee.pk for employee in cleaned.get("members") or []}
            if cleaned.get("head") is not None:
                staying.add(cleaned["head"].pk)
            stranded = (
                Routing.objects.filter(unit=self.instance, assignee__isnull=False)
                .exclude(assignee__in=staying)
                .select_related("service", "assignee__user")
            )
            if stranded:
                rules = ", ".join(sorted({routing.service.code for routing in stranded}))
                raise forms.ValidationError(
                    _(
                        "Routing rules send cases of %(services)s to an employee who would leave "
                        "the unit. Change those rules first."
                    ),
                    code="routing_assignee_leaves",
                    params={"services": rules},
                )
        return cleaned


@admin.register(ProviderUnit)
class ProviderUnitAdmin(admin.ModelAdmin):
    form = ProviderUnitForm
    list_display = ["display_name", "head", "member_count", "is_active"]
    list_filter = ["is_active", ("offices", ScopedRelatedFieldListFilter)]
    search_fields = ["name"]
    filter_horizontal = ["offices"]
    autocomplete_fields = ["head", "members"]
    list_select_related = ["head__user"]
    fields = ["name", "is_active", "offices", "head", "members"]

    @admin.display(description=_("name"))
    def display_name(self, unit: ProviderUnit) -> str:
        return tr(unit.name) or str(unit)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProviderUnit]:
        return super().get_queryset(request).annotate(member_count=Count("members"))

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, unit: ProviderUnit) -> int:
        return unit.member_count  # type: ignore[attr-defined]


class RoutingForm(forms.ModelForm):
    class Meta:
        model = Routing
        fields = ["service", "office", "unit", "assignee"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        service, office = cleaned.get("service"), cleaned.get("office")
        unit, assignee = cleaned.get("unit"), cleaned.get("assignee")
        if (
            service is not None
            and office is not None
            and not service.offices.filter(pk=office.pk).exists()
        ):
            self.add_error("office", _("This office does not offer the service."))
        # The assignee works the case in the unit: outside it they could not take it back from
        # the pool nor hand it on (the services check membership).
        if (
            unit is not None
            and assignee is not None
            and unit.head_id != assignee.pk
            and not unit.members.filter(pk=assignee.pk).exists()
        ):
            self.add_error(
                "assignee", _("Choose a member or the head of the unit, or leave it empty.")
            )
        return cleaned


@admin.register(Routing)
class RoutingAdmin(admin.ModelAdmin):
    form = RoutingForm
    list_display = ["service", "office_or_all", "unit", "assignee"]
    list_filter = [
        "unit",
        ("office", ScopedRelatedFieldListFilter),
        ("assignee", admin.RelatedOnlyFieldListFilter),
        "service__group",
    ]
    search_fields = ["service__code"]
    search_help_text = _("Search by the service's registry code.")
    autocomplete_fields = ["service", "assignee"]
    list_select_related = ["service", "office", "unit", "assignee__user"]
    ordering = ["service__code", "office__slug"]

    @admin.display(description=_("office"), ordering="office__slug")
    def office_or_all(self, routing: Routing) -> str:
        return str(routing.office) if routing.office_id else str(_("every office"))


@admin.register(CaseRules)
class CaseRulesAdmin(admin.ModelAdmin):
    list_display = [
        "service",
        "applicant_name",
        "applicant_contact",
        "identifier",
        "identifier_name",
        "pause_for_applicant",
        "pause_for_agency",
    ]
    list_filter = ["identifier", "applicant_contact", "service__group"]
    search_fields = ["service__code"]
    autocomplete_fields = ["service"]
    list_select_related = ["service"]
    ordering = ["service__code"]
    fieldsets = [
        (None, {"fields": ["service"]}),
        (
            _("Applicant data"),
            {"fields": ["applicant_name", "applicant_contact", "identifier", "identifier_label"]},
        ),
        (_("Deadline"), {"fields": ["pause_for_applicant", "pause_for_agency"]}),
    ]

    @admin.display(description=_("identifier's name"))
    def identifier_name(self, rules: CaseRules) -> str:
        return tr(rules.identifier_label) or "—"


class CaseSettingsForm(forms.ModelForm):
    class Meta:
        model = CaseSettings
        fields = ["office", "alert_working_days_before", "pickup_service", "max_file_mb"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        office = cleaned.get("office") or (self.instance.office if self.instance.pk else None)
        pickup = cleaned.get("pickup_service")
        if (
            office is not None
            and pickup is not None
            and not pickup.offices.filter(pk=office.pk).exists()
        ):
            self.add_error("pickup_service", _("This office does not offer the service."))
        return cleaned


@admin.register(CaseSettings)
class CaseSettingsAdmin(OfficeScopedAdmin):
    form = CaseSettingsForm
    list_display = ["office", "alert_working_days_before", "pickup_service", "max_file_mb"]
    list_select_related = ["office", "pickup_service"]
    fields = ["office", "alert_working_days_before", "pickup_service", "max_file_mb"]

    def get_readonly_fields(self, request: HttpRequest, obj: CaseSettings | None = None):
        # The office is the row's key: chosen once, when the settings are first written.
        return ["office"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any):
        # Results are picked up through a service of one of the user's own offices.
        if db_field.name == "pickup_service":
            services = Service.objects.filter(is_active=True).order_by("code")
            office_ids = visible_office_ids(request.user)
            if office_ids is not None:
                services = services.filter(offices__in=office_ids).distinct()
            kwargs["queryset"] = services
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# --- cases, read-only ----------------------------------------------------------------------------


class ReceivedDocumentInline(ReadOnlyMixin, admin.TabularInline):
    model = ReceivedDocument
    extra = 0
    fields = ["name", "form"]
    readonly_fields = fields
    can_delete = False


class CaseEventInline(ReadOnlyMixin, admin.TabularInline):
    model = CaseEvent
    extra = 0
    fields = ["at", "action", "from_status", "to_status", "employee", "detail"]
    readonly_fields = fields
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[CaseEvent]:
        return super().get_queryset(request).select_related("employee__user")


@admin.register(Case)
class CaseAdmin(ReadOnlyMixin, OfficeScopedAdmin):
    # No applicant's name or contact in the list: it is for finding a case by its number.
    list_display = ["number", "office", "service", "status", "deadline", "assignee"]
    list_filter = [
        "office",
        "status",
        ("unit", admin.RelatedOnlyFieldListFilter),
        "channel",
        "decision",
        ("deadline", admin.DateFieldListFilter),
    ]
    search_fields = ["number"]
    search_help_text = _("Search by the case number.")
    date_hierarchy = "registered_at"
    list_select_related = ["office", "service", "assignee__user"]
    # The applicant's code is not shown (it opens the citizen's page), nor the identifier; the
    # contact is masked: the audit needs what happened, not the means to reach the applicant.
    fields = [
        ("number", "office", "service"),
        ("channel", "language"),
        ("applicant_name", "masked_contact"),
        "missing_documents_reason",
        ("status", "unit", "assignee"),
        ("registered_at", "registered_by"),
        ("deadline", "paused_on", "waiting_for"),
        ("decision", "decided_at"),
        "grounds",
        ("delivery", "pickup_point"),
        ("ready_at", "issued_at", "closed_at"),
    ]
    readonly_fields = [
        name for row in fields for name in (row if isinstance(row, tuple) else [row])
    ]
    inlines = [ReceivedDocumentInline, CaseEventInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Case]:
        # The same scope as the case pages: a back-office clerk sees their units' cases, which
        # may come from offices they do not work in.
        cases = visible_cases(request.user)
        ordering = self.get_ordering(request)
        return cases.order_by(*ordering) if ordering else cases

    @admin.display(description=_("phone or e-mail"))
    def masked_contact(self, case: Case) -> str:
        return mask(case.contact) if case.contact else "—"
