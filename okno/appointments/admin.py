"""Admin for appointments: heads set their offices' booking rules and staff schedule; bookings
are shown read-only with their history, for audit (they change only through the services, which
keep slot capacity, notifications and the audit trail right)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import ForeignKey
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from okno.appointments.models import AppointmentSettings, Booking, BookingEvent, StaffShift
from okno.core.admin import OfficeScopedAdmin, ReadOnlyMixin
from okno.core.scoping import scope
from okno.notifications.contact import mask
from okno.staff.models import Employee


@admin.register(AppointmentSettings)
class AppointmentSettingsAdmin(OfficeScopedAdmin):
    list_display = [
        "office",
        "online_share",
        "phone_share",
        "horizon_days",
        "slot_step_minutes",
        "late_policy",
        "max_active_per_contact",
        "no_show_limit",
    ]
    list_select_related = ["office"]
    fieldsets = [
        (_("Capacity"), {"fields": ["office", "online_share", "phone_share", "slot_step_minutes"]}),
        (
            _("When people can book"),
            {"fields": ["horizon_days", "release_time", "min_lead_minutes", "hold_minutes"]},
        ),
        (
            _("Arrival"),
            {
                "fields": [
                    "arrival_before_minutes",
                    "arrival_after_minutes",
                    "late_policy",
                    "booking_head_start_minutes",
                ]
            },
        ),
        (
            _("Fair allocation"),
            {
                "fields": [
                    "max_active_per_contact",
                    "one_per_service_per_day",
                    "no_show_limit",
                    "no_show_period_days",
                ]
            },
        ),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: AppointmentSettings | None = None):
        # The office is the row's key: chosen once, when the rules are first written.
        return ["office"] if obj is not None else []


@admin.register(StaffShift)
class StaffShiftAdmin(OfficeScopedAdmin):
    list_display = ["employee", "office", "weekday", "starts", "ends"]
    list_filter = ["office", "weekday", ("employee", admin.RelatedOnlyFieldListFilter)]
    list_editable = ["starts", "ends"]
    list_display_links = ["employee"]
    list_select_related = ["employee__user", "office"]
    search_fields = ["employee__user__username", "employee__user__last_name"]
    ordering = ["office", "weekday", "starts", "employee"]

    def formfield_for_foreignkey(self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any):
        # Only people who work in one of the user's offices can be put on its schedule.
        if db_field.related_model is Employee:
            kwargs["queryset"] = scope(
                Employee.objects.select_related("user"), request.user, office_field="offices"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class BookingEventInline(ReadOnlyMixin, admin.TabularInline):
    model = BookingEvent
    extra = 0
    fields = ["at", "action", "employee", "detail"]
    readonly_fields = fields
    can_delete = False


@admin.register(Booking)
class BookingAdmin(ReadOnlyMixin, OfficeScopedAdmin):
    list_display = ["code", "office", "service", "start", "status", "channel", "masked_contact"]
    list_filter = [
        ("office", admin.RelatedOnlyFieldListFilter),
        "status",
        "channel",
        ("start", admin.DateFieldListFilter),
    ]
    search_fields = ["code"]
    date_hierarchy = "start"
    list_select_related = ["office", "service"]
    # The contact is shown masked and the one-time code's hash not at all: the audit needs
    # what happened, not the means to reach or impersonate the citizen.
    fields = [
        ("code", "office", "service"),
        ("start", "end", "channel"),
        ("status", "language"),
        "masked_contact",
        ("created_at", "confirmed_at"),
        ("ticket", "booked_by"),
        "rescheduled_from",
        "cancel_reason",
    ]
    readonly_fields = [
        name for row in fields for name in (row if isinstance(row, tuple) else [row])
    ]
    inlines = [BookingEventInline]

    @admin.display(description=_("contact"))
    def masked_contact(self, booking: Booking) -> str:
        return mask(booking.contact) if booking.contact else "—"
