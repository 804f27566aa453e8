"""Admin building blocks: every admin page for office data is narrowed to the user's offices."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Field, ForeignKey, ManyToManyField, Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from okno.catalog.models import Office, ServicePoint
from okno.core.scoping import scope, visible_office_ids, visible_offices


class ReadOnlyMixin:
    """Shown to those allowed to view; never added, changed or deleted here (records such as
    tickets, bookings and messages change only through their services)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# Related rows whose choices are narrowed to the user's offices, and the path to their office.
_SCOPED_CHOICES: dict[type[Model], str] = {Office: "pk", ServicePoint: "office"}


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """The admin's filter by office (or window) offering only those of the user's offices, so that
    the sidebar of a head of one office does not list every other office by name."""

    def field_choices(
        self, field: Field, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> list[tuple[Any, str]]:
        related = field.related_model
        choices = scope(
            related._default_manager.all(), request.user, office_field=_SCOPED_CHOICES[related]
        )
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            choices = choices.order_by(*ordering)
        return [(row.pk, str(row)) for row in choices]


class OfficeScopedAdmin(admin.ModelAdmin):
    """Rows are shown only for the user's offices; office choices, in forms and in the filters of
    the list, are only the user's offices."""

    office_field = "office"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return scope(super().get_queryset(request), request.user, office_field=self.office_field)

    def get_list_filter(self, request: HttpRequest) -> list[Any]:
        return [_scoped_filter(self.model, item) for item in super().get_list_filter(request)]

    def formfield_for_foreignkey(self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any):
        if db_field.related_model is Office:
            kwargs["queryset"] = visible_offices(request.user)
        elif db_field.related_model is ServicePoint:
            kwargs["queryset"] = scope(ServicePoint.objects.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(
        self, db_field: ManyToManyField, request: HttpRequest, **kwargs: Any
    ):
        if db_field.related_model is Office:
            kwargs["queryset"] = visible_offices(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    # simple_history's history pages look the object up in the history table when it is not in
    # get_queryset(), and its revert form saves what is posted: both must stay in scope.
    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        self._in_scope_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict | None = None,
    ) -> HttpResponse:
        self._in_scope_or_404(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)  # type: ignore[misc]

    def _in_scope_or_404(self, request: HttpRequest, object_id: str) -> None:
        # Those who see every office keep the history of deleted objects.
        if visible_office_ids(request.user) is None:
            return
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404


def _scoped_filter(model: type[Model], item: Any) -> Any:
    """A list_filter entry naming an office (or window) field, given the scoped filter."""
    if not isinstance(item, str):
        return item  # a filter class or (field, class) chosen on purpose
    try:
        field = model._meta.get_field(item)
    except FieldDoesNotExist:
        return item  # a lookup through a relation ("service__group")
    if field.is_relation and field.related_model in _SCOPED_CHOICES:
        return (item, ScopedRelatedFieldListFilter)
    return item
