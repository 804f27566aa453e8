"""Admin for feedback: heads set their offices' feedback rules; ratings, follow-ups and
complaints are shown read-only, for audit (they change only through the feedback services and
pages, which keep follow-ups, deadlines and the complaint's trail right). The country table of
complaint deadlines is the administrator's."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import ForeignKey
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from okno.core.admin import OfficeScopedAdmin, ReadOnlyMixin
from okno.core.scoping import scope
from okno.feedback.models import (
    Complaint,
    ComplaintEvent,
    DeadlineRule,
    FeedbackSettings,
    FollowUp,
    Rating,
)
from okno.notifications.contact import mask
from okno.staff.models import Employee


@admin.register(FeedbackSettings)
class FeedbackSettingsAdmin(OfficeScopedAdmin):
    list_display = ["office", "rating_window_days", "low_score", "complaints_handler"]
    list_select_related = ["office", "complaints_handler__user"]
    fields = ["office", "rating_window_days", "low_score", "complaints_handler"]

    def get_readonly_fields(self, request: HttpRequest, obj: FeedbackSettings | None = None):
        # The office is the row's key: chosen once, when the rules are first written.
        return ["office"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any):
        # Complaints can only be handed to someone working in one of the user's offices.
        if db_field.related_model is Employee:
            kwargs["queryset"] = scope(
                Employee.objects.select_related("user"), request.user, office_field="offices"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    list_display = ["country", "days", "unit", "extension_days", "max_days", "legal_basis"]
    ordering = ["country"]


@admin.register(Rating)
class RatingAdmin(ReadOnlyMixin, OfficeScopedAdmin):
    list_display = [
        "rated_at",
        "office",
        "service",
        "channel",
        "service_time",
        "waiting_time",
        "politeness",
        "comfort",
        "information",
        "recommend",
    ]
    list_filter = [
        ("office", admin.RelatedOnlyFieldListFilter),
        "channel",
        ("visited_on", admin.DateFieldListFilter),
    ]
    list_select_related = ["office", "service"]
    date_hierarchy = "rated_at"
    # The ticket's secret code is not shown: the row says which visit, not how to reach its page.
    fields = [
        ("office", "service", "service_point"),
        ("visited_on", "rated_at", "channel"),
        ("employee", "entered_by"),
        ("service_time", "waiting_time", "politeness", "comfort", "information"),
        "recommend",
        "comment",
        ("age_band", "gender", "disability"),
        "ticket_label",
    ]
    readonly_fields = [
        name for row in fields for name in (row if isinstance(row, tuple) else [row])
    ]

    @admin.display(description=_("visit"))
    def ticket_label(self, rating: Rating) -> str:
        return rating.ticket.label if rating.ticket_id else "—"


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyMixin, OfficeScopedAdmin):
    list_display = ["created_at", "office", "status", "closed_at", "closed_by"]
    list_filter = [("office", admin.RelatedOnlyFieldListFilter), "status"]
    list_select_related = ["office", "closed_by__user"]
    fields = ["office", "rating", "status", "created_at", "closed_at", "closed_by", "note"]
    readonly_fields = fields


class ComplaintEventInline(ReadOnlyMixin, admin.TabularInline):
    model = ComplaintEvent
    extra = 0
    fields = ["at", "action", "employee", "detail"]
    readonly_fields = fields
    can_delete = False


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyMixin, OfficeScopedAdmin):
    list_display = ["code", "office", "kind", "category", "status", "received_at", "deadline"]
    list_filter = [
        ("office", admin.RelatedOnlyFieldListFilter),
        "status",
        "kind",
        "category",
        "channel",
    ]
    search_fields = ["code"]
    date_hierarchy = "received_at"
    list_select_related = ["office"]
    # The contact is shown masked: the audit needs what happened, not the means to reach the
    # citizen (the handler sees it on the complaint's staff page).
    fields = [
        ("code", "office", "kind", "category"),
        ("service", "channel", "language"),
        "text",
        ("status", "assignee"),
        ("received_at", "deadline", "extended"),
        "answer",
        ("answered_at", "closed_at"),
        "reason",
        "masked_contact",
    ]
    readonly_fields = [
        name for row in fields for name in (row if isinstance(row, tuple) else [row])
    ]
    inlines = [ComplaintEventInline]

    @admin.display(description=_("contact for the answer"))
    def masked_contact(self, complaint: Complaint) -> str:
        return mask(complaint.contact) if complaint.contact else "—"
