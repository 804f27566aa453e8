"""Showing KPI values in the reader's language: shares as per cent, durations in minutes."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

register = template.Library()

_DECIMALS = {"share": 1, "minutes": 1, "index": 0, "score": 2, "count": 0, "rate": 1, "days": 1}


#: A Monday: weekdays are named by formatting a date of the same week in the reader's language.
_MONDAY = dt.date(2024, 1, 1)


def weekday_name(iso_weekday: int) -> str:
    """The name of an ISO weekday (1 Monday … 7 Sunday) in the active language."""
    return date_format(_MONDAY + dt.timedelta(days=iso_weekday - 1), "l")


@register.filter
def kpi_value(value: float | None, unit: str) -> str:
    """`value` as the page shows it, e.g. 0.875 share → "87.5 %", 8.25 minutes → "8.3 min"."""
    if value is None:
        return "—"
    shown = value * 100 if unit == "share" else value
    text = number_format(round(shown, _DECIMALS.get(unit, 1)), _DECIMALS.get(unit, 1))
    if unit == "share":
        return _("%(value)s %%") % {"value": text}
    if unit == "minutes":
        return _("%(value)s min") % {"value": text}
    if unit == "days":
        return _("%(value)s days") % {"value": text}
    return text
