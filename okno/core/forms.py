"""Forms that describe themselves to assistive technology; every staff and citizen form builds on it."""

from __future__ import annotations

from typing import Any

from django import forms


class AccessibleForm(forms.Form):
    """Each field is described by its hint and, once it has one, its error (`aria-describedby`
    with the ids `<auto_id>_helptext` and `<auto_id>_error` that the field partials render), and
    marked `aria-invalid` while in error. `described_by` adds other elements of the page to a
    field's description. A field drawn as a fieldset (radio buttons) is described on the
    fieldset by its partial, not on each input."""

    #: field name -> ids of other elements on the page that describe it
    described_by: dict[str, list[str]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.described_by = {}

    def full_clean(self) -> None:
        super().full_clean()
        self.describe()

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        self.describe()

    def describe(self) -> None:
        for name, field in self.fields.items():
            if getattr(field.widget, "use_fieldset", False):
                continue
            auto_id = self[name].auto_id
            ids = list(getattr(self, "described_by", {}).get(name, []))
            if field.help_text:
                ids.append(f"{auto_id}_helptext")
            if self.is_bound and name in (self._errors or {}):
                ids.append(f"{auto_id}_error")
                field.widget.attrs["aria-invalid"] = "true"
            else:
                field.widget.attrs.pop("aria-invalid", None)
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)
