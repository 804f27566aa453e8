"""Admin for the live queue: heads set their offices' priority categories and queue rules; tickets
and desk sessions are shown read-only, with their history, for audit (they change only through
the queue's services)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from okno.core.admin import OfficeScopedAdmin, ReadOnlyMixin
from okno.core.i18n import tr
from okno.queueing.models import (
    DeskPause,
    DeskSession,
    PriorityCategory,
    QueueSettings,
    Ticket,
    TicketEvent,
)


@admin.register(PriorityCategory)
class PriorityCategoryAdmin(OfficeScopedAdmin):
    list_display = ["display_name", "code", "office", "weight_minutes", "order", "is_active"]
    list_display_links = ["display_name", "code"]
    list_editable = ["weight_minutes", "order", "is_active"]
    list_filter = [("office", admin.RelatedOnlyFieldListFilter), "is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["office"]

    @admin.display(description=_("name"))
    def display_name(self, category: PriorityCategory) -> str:
        return tr(category.name) or category.code


@admin.register(QueueSettings)
class QueueSettingsAdmin(OfficeScopedAdmin):
    list_display = [
        "office",
        "wait_norm_minutes",
        "booked_wait_norm_minutes",
        "no_show_after_recalls",
        "no_show_after_minutes",
        "issue_outside_hours",
    ]
    list_select_related = ["office"]

    def get_readonly_fields(self, request: HttpRequest, obj: QueueSettings | None = None):
        # The office is the row's key: chosen once, when the rules are first written.
        return ["office"] if obj is not None else []


class TicketEventInline(ReadOnlyMixin, admin.TabularInline):
    model = TicketEvent
    extra = 0
    fields = ["at", "action", "employee", "service_point", "detail"]
    readonly_fields = fields
    can_delete = False


@admin.register(Ticket)
class TicketAdmin(ReadOnlyMixin, OfficeScopedAdmin):
    list_display = [
        "label",
        "service_day",
        "office",
        "service",
        "priority",
        "state",
        "outcome",
        "issued_at",
        "called_at",
        "finished_at",
        "service_point",
        "employee",
    ]
    list_filter = [
        ("office", admin.RelatedOnlyFieldListFilter),
        "state",
        "outcome",
        ("service_day", admin.DateFieldListFilter),
        "source",
    ]
    search_fields = ["label"]
    date_hierarchy = "service_day"
    list_select_related = ["office", "service", "priority", "service_point", "employee__user"]
    # The citizen's secret code is left out: the audit needs what happened, not the key to
    # the visitor's page.
    fields = [
        ("label", "office", "service_day"),
        ("service", "priority", "priority_weight", "source"),
        ("state", "outcome"),
        ("issued_at", "waiting_since", "queue_key"),
        ("called_at", "last_called_at", "recall_count"),
        ("started_at", "finished_at"),
        ("service_point", "employee"),
        "note",
        "transferred_from",
    ]
    readonly_fields = [
        name for row in fields for name in (row if isinstance(row, tuple) else [row])
    ]
    inlines = [TicketEventInline]


class DeskPauseInline(ReadOnlyMixin, admin.TabularInline):
    model = DeskPause
    extra = 0
    fields = ["reason", "started_at", "ended_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(DeskSession)
class DeskSessionAdmin(ReadOnlyMixin, OfficeScopedAdmin):
    office_field = "service_point__office"
    list_display = [
        "employee",
        "service_point",
        "office",
        "opened_at",
        "closed_at",
        "paused_at",
        "pause_reason",
    ]
    list_filter = [("service_point__office", admin.RelatedOnlyFieldListFilter), "pause_reason"]
    search_fields = ["employee__user__username", "employee__user__last_name"]
    date_hierarchy = "opened_at"
    list_select_related = ["employee__user", "service_point__office"]
    fields = ["employee", "service_point", "opened_at", "closed_at", "paused_at", "pause_reason"]
    readonly_fields = fields
    inlines = [DeskPauseInline]

    @admin.display(description=_("office"), ordering="service_point__office")
    def office(self, session: DeskSession) -> str:
        return str(session.service_point.office)
