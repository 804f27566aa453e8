"""Admin building blocks: every admin page for office data is narrowed to the user's offices."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db.models import ForeignKey, ManyToManyField, QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from okno.catalog.models import Office, ServicePoint
from okno.core.scoping import scope, visible_office_ids, visible_offices


class OfficeScopedAdmin(admin.ModelAdmin):
    """Rows are shown only for the user's offices; office choices are only the user's offices."""

    office_field = "office"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return scope(super().get_queryset(request), request.user, office_field=self.office_field)

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
