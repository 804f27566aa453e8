"""Admin building blocks: every admin page for office data is narrowed to the user's offices."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import ForeignKey, ManyToManyField, QuerySet
from django.http import HttpRequest

from okno.catalog.models import Office
from okno.core.scoping import scope, visible_offices


class OfficeScopedAdmin(admin.ModelAdmin):
    """Rows are shown only for the user's offices; office choices are only the user's offices."""

    office_field = "office"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return scope(super().get_queryset(request), request.user, office_field=self.office_field)

    def formfield_for_foreignkey(self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any):
        if db_field.related_model is Office:
            kwargs["queryset"] = visible_offices(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(
        self, db_field: ManyToManyField, request: HttpRequest, **kwargs: Any
    ):
        if db_field.related_model is Office:
            kwargs["queryset"] = visible_offices(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)
