"""The dashboard's filters: which offices, which service, which days, and how to group them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from okno.core.forms import AccessibleForm

#: The longest period one request may ask for (the API and the pages alike).
MAX_DAYS = 2 * 366
GRANULARITY_CHOICES = [("day", _("day")), ("week", _("week")), ("month", _("month"))]


class KpiFilterForm(AccessibleForm):
    office = forms.ChoiceField(label=_("Office"), required=False)
    group = forms.TypedChoiceField(
        label=_("Service group"), required=False, coerce=int, empty_value=None
    )
    service = forms.TypedChoiceField(
        label=_("Service"), required=False, coerce=int, empty_value=None
    )
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    granularity = forms.ChoiceField(
        label=_("Group by"), choices=GRANULARITY_CHOICES, required=False
    )

    def __init__(
        self,
        *args: Any,
        offices: list[tuple[str, str]],
        services: list[tuple[int, str]],
        all_offices: bool,
        today: dt.date,
        groups: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("All my offices") if not all_offices else _("All offices")), *offices]
        self.fields["office"].choices = choices
        self.fields["service"].choices = [("", _("All services")), *services]
        self.fields["group"].choices = [("", _("All groups")), *(groups or [])]
        self.today = today

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        end = data.get("end") or self.today
        start = data.get("start") or end - dt.timedelta(days=29)
        if start > end:
            self.add_error("start", _("The first day must not be after the last."))
        elif (end - start).days + 1 > MAX_DAYS:
            self.add_error(
                "start",
                _("Choose at most %(days)s days at a time.") % {"days": MAX_DAYS},
            )
        data["start"], data["end"] = start, end
        data["granularity"] = data.get("granularity") or _default_granularity(start, end)
        return data


def _default_granularity(start: dt.date, end: dt.date) -> str:
    days = (end - start).days + 1
    return "day" if days <= 62 else "week" if days <= 200 else "month"
