"""Admin for employees (scoped to the user's offices) and API tokens."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from okno.core.admin import OfficeScopedAdmin
from okno.staff import services
from okno.staff.models import ApiToken, Competency, Employee


class CompetencyInline(admin.TabularInline):
    model = Competency
    extra = 0
    autocomplete_fields = ["service"]


@admin.register(Employee)
class EmployeeAdmin(OfficeScopedAdmin, SimpleHistoryAdmin):
    office_field = "offices"
    list_display = ["__str__", "user", "role", "position"]
    list_filter = ["role", "offices"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "position"]
    filter_horizontal = ["offices"]
    inlines = [CompetencyInline]
    list_select_related = ["user"]
    raw_id_fields = ["user"]

    def get_readonly_fields(self, request: HttpRequest, obj: Employee | None = None) -> list[str]:
        # Only administrators hand out roles: a head must not be able to promote anyone.
        if request.user.has_perm("auth.change_user"):
            return []
        return ["user", "role"]

    def save_model(self, request: HttpRequest, obj: Employee, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if "role" in form.changed_data or not change:
            services.change_role(obj, role=obj.role)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        # The form offers only the editor's offices; keep the employee's other offices.
        hidden = []
        if change and "offices" in form.cleaned_data:
            shown = set(form.fields["offices"].queryset.values_list("pk", flat=True))
            hidden = [
                pk for pk in form.instance.offices.values_list("pk", flat=True) if pk not in shown
            ]
        super().save_related(request, form, formsets, change)
        if hidden:
            form.instance.offices.add(*hidden)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    readonly_fields = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are issued with `okno token USERNAME`, shown once

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset:
            services.revoke_token(token)
        self.message_user(request, _("The tokens were revoked."), messages.SUCCESS)
