"""Admin for the catalogue: offices (scoped to the user's own), groups, passports, life situations."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from okno.catalog import search as catalog_search
from okno.catalog.exchange import ImportReport, export_catalog, import_catalog
from okno.catalog.forms import CatalogueImportForm
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
from okno.catalog.tables import FORMATS, UnreadableFile, locate, read_document, write_document
from okno.core.admin import OfficeScopedAdmin, ScopedRelatedFieldListFilter
from okno.core.i18n import tr
from okno.core.scoping import sees_all_offices

# The admin index links to the catalogue import / export page (admin/catalog/index.html).
admin.site.index_template = "admin/catalog/index.html"


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
        ("offices", ScopedRelatedFieldListFilter),
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

    # The whole catalogue in one file: import (check or apply) and export ----------------------

    def get_urls(self) -> list[URLPattern]:
        exchange = [
            path(
                "exchange/",
                self.admin_site.admin_view(self.exchange_view),
                name="catalog_service_exchange",
            ),
            path(
                "exchange/export/<str:file_format>/",
                self.admin_site.admin_view(self.export_view),
                name="catalog_service_export",
            ),
        ]
        return exchange + super().get_urls()

    def has_import_permission(self, request: HttpRequest) -> bool:
        # A file may hold every office: whoever imports it must see every office and may change
        # every part of the catalogue, or a head of one office could overwrite the others.
        return sees_all_offices(request.user) and request.user.has_perms(_IMPORT_PERMISSIONS)

    def exchange_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a catalogue file to check or import it; links to download the catalogue."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        may_import = self.has_import_permission(request)
        form = CatalogueImportForm()
        report: ImportReport | None = None
        problems: list[str] = []
        if request.method == "POST":
            if not may_import:
                raise PermissionDenied
            form = CatalogueImportForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                try:
                    document = read_document(upload, upload.name)
                except UnreadableFile as error:
                    problems = [str(error)]
                else:
                    report = import_catalog(document, dry_run=form.dry_run)
                    problems = [str(problem) for problem in locate(report.problems, document)]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import / export catalogue"),
            "form": form,
            "may_import": may_import,
            "report": report,
            "summary": _summary_rows(report) if report and not problems else [],
            "problems": problems[:_PROBLEMS_SHOWN],
            "problems_total": len(problems),
            "problems_hidden": max(len(problems) - _PROBLEMS_SHOWN, 0),
            "export_formats": [
                ("json", _("JSON")),
                ("xlsx", _("Excel workbook (XLSX)")),
                ("csv", _("CSV files (ZIP)")),
            ],
        }
        return TemplateResponse(request, "admin/catalog/service/exchange.html", context)

    def export_view(self, request: HttpRequest, file_format: str) -> HttpResponse:
        """The whole catalogue as a file to download."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if file_format not in FORMATS:
            raise Http404
        spec = FORMATS[file_format]
        response = HttpResponse(
            write_document(export_catalog(), file_format), content_type=spec.content_type
        )
        filename = f"okno-catalogue-{timezone.localdate():%Y-%m-%d}.{spec.extension}"
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response


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


_PROBLEMS_SHOWN = 200

# What an import may do: create and change every kind of row, and replace the rows that belong to
# an office, a service or a life situation (hours, exceptions, documents, steps).
_IMPORT_PERMISSIONS = [
    *(
        f"catalog.{action}_{model}"
        for model in ("office", "servicepoint", "servicegroup", "service", "lifesituation")
        for action in ("add", "change")
    ),
    *(
        f"catalog.{action}_{model}"
        for model in ("openinghours", "calendarexception", "requireddocument", "lifesituationstep")
        for action in ("add", "change", "delete")
    ),
]

# What an import counts, in the order the page lists it.
_KIND_LABELS = {
    "offices": _("offices"),
    "service_points": _("service points"),
    "groups": _("service groups"),
    "services": _("services"),
    "life_situations": _("life situations"),
}


def _summary_rows(report: ImportReport) -> list[tuple[str, int, int, int]]:
    kinds = [
        kind
        for kind in _KIND_LABELS
        if kind in {*report.created, *report.updated, *report.unchanged}
    ]
    return [
        (
            str(_KIND_LABELS[kind]),
            report.created.get(kind, 0),
            report.updated.get(kind, 0),
            report.unchanged.get(kind, 0),
        )
        for kind in kinds
    ]
