"""Admin for the catalogue: offices (scoped to the user's own), groups, passports, life situations."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from okno.catalog import search as catalog_search
from okno.catalog.models import (
    CalendarException,
    LifeSituation,
    LifeSituationStep,
    Office,
    OpeningHours,
    RequiredDocument,
    Service,
    ServiceGroup,
    ServicePoint,
)
from okno.core.admin import OfficeScopedAdmin
from okno.core.i18n import tr


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


class CalendarExceptionInline(admin.StackedInline):
    model = CalendarException
    extra = 0


class ServicePointInline(admin.TabularInline):
    model = ServicePoint
    extra = 0


@admin.register(Office)
class OfficeAdmin(OfficeScopedAdmin, SimpleHistoryAdmin):
    office_field = "pk"
    list_display = ["display_name", "slug", "kind", "country", "time_zone", "is_active"]
    list_filter = ["kind", "country", "is_active"]
    search_fields = ["slug", "name", "address"]
    inlines = [OpeningHoursInline, CalendarExceptionInline, ServicePointInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "is_active"]}),
        (_("Where"), {"fields": ["address", "latitude", "longitude", "accessibility"]}),
        (
            _("Calendar and language"),
            {"fields": ["country", "subdivision", "time_zone", "default_language"]},
        ),
        (_("Contact"), {"fields": ["phone", "email", "website"]}),
    ]

    @admin.display(description=_("name"))
    def display_name(self, office: Office) -> str:
        return str(office)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Heads manage their own offices; only catalogue administrators open new ones.
        return super().has_add_permission(request) and request.user.has_perm("catalog.add_office")


@admin.register(ServicePoint)
class ServicePointAdmin(OfficeScopedAdmin, SimpleHistoryAdmin):
    list_display = ["__str__", "office", "number", "floor", "is_active"]
    list_filter = ["office", "is_active"]
    list_editable = ["is_active"]


@admin.register(ServiceGroup)
class ServiceGroupAdmin(SimpleHistoryAdmin):
    list_display = ["prefix", "display_name", "order"]
    list_editable = ["order"]
    search_fields = ["prefix", "name"]

    @admin.display(description=_("name"))
    def display_name(self, group: ServiceGroup) -> str:
        return tr(group.name)


class RequiredDocumentInline(admin.StackedInline):
    model = RequiredDocument
    extra = 0
    fields = [("order", "form", "mandatory", "obtained_by"), "name", "note"]


@admin.register(Service)
class ServiceAdmin(SimpleHistoryAdmin):
    list_display = [
        "code",
        "display_name",
        "group",
        "term",
        "is_free",
        "bookable",
        "is_active",
        "last_reviewed",
    ]
    list_display_links = ["code", "display_name"]
    list_filter = [
        "group",
        "is_active",
        "bookable",
        "online",
        "by_post",
        "term_unit",
        "is_free",
        "offices",
    ]
    list_editable = ["is_active"]
    search_fields = ["code", "slug"]
    search_help_text = _(
        "Search by name or keyword in any language, by registry code or by address name."
    )
    filter_horizontal = ["offices"]
    inlines = [RequiredDocumentInline]
    list_select_related = ["group"]
    save_on_top = True
    fieldsets = [
        (None, {"fields": ["code", "slug", "group", "name", "summary", "keywords"]}),
        (_("Fee"), {"fields": ["is_free", "fee_amount", "fee_currency", "fee_legal_basis"]}),
        (
            _("Term and result"),
            {"fields": ["term_value", "term_unit", "result", "result_delivery", "refusal_grounds"]},
        ),
        (_("Authority and law"), {"fields": ["provider", "responsible_official", "legal_basis"]}),
        (_("Channels"), {"fields": ["in_person", "online", "online_url", "by_post", "bookable"]}),
        (_("Queue"), {"fields": ["handling_minutes", "max_wait_minutes"]}),
        (_("Where and status"), {"fields": ["offices", "is_active", "version", "last_reviewed"]}),
    ]

    @admin.display(description=_("name"))
    def display_name(self, service: Service) -> str:
        return tr(service.name)

    @admin.display(description=_("statutory term"))
    def term(self, service: Service) -> str:
        if service.term_unit == Service.TermUnit.ON_THE_SPOT:
            return str(service.get_term_unit_display())
        return f"{service.term_value} {service.get_term_unit_display()}"

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        # The same forgiving search citizens use, plus the registry code and slug.
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            found = [
                h.pk for h in catalog_search.search(search_term, limit=500) if h.kind == "service"
            ]
            results = results | queryset.filter(pk__in=found)
        return results, may_have_duplicates

    def save_model(self, request: HttpRequest, obj: Service, form: Any, change: bool) -> None:
        if change and form.has_changed():
            obj.version += 1
        super().save_model(request, obj, form, change)


class LifeSituationStepInline(admin.TabularInline):
    model = LifeSituationStep
    extra = 0
    autocomplete_fields = ["service"]


@admin.register(LifeSituation)
class LifeSituationAdmin(SimpleHistoryAdmin):
    list_display = ["slug", "display_name", "order", "is_active"]
    list_editable = ["order", "is_active"]
    search_fields = ["slug", "name"]
    inlines = [LifeSituationStepInline]

    @admin.display(description=_("name"))
    def display_name(self, situation: LifeSituation) -> str:
        return tr(situation.name)
