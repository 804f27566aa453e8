"""TranslatedField: one column holding a text per language ({"uk": "...", "en": "..."})."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _


def _languages() -> list[tuple[str, str]]:
    return [(code, str(name)) for code, name in settings.LANGUAGES]


class TranslationsWidget(forms.MultiWidget):
    """One input per language, each labelled with its language for screen readers."""

    template_name = "core/widgets/translations.html"

    def __init__(self, *, multiline: bool = False, attrs: dict[str, Any] | None = None) -> None:
        base = forms.Textarea(attrs={"rows": 3}) if multiline else forms.TextInput()
        widgets = {code: base.__class__(attrs=dict(base.attrs)) for code, _name in _languages()}
        super().__init__(widgets, attrs)

    def decompress(self, value: dict[str, str] | None) -> list[str]:
        value = value or {}
        return [value.get(code, "") for code, _name in _languages()]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        for subwidget, (code, language) in zip(
            context["widget"]["subwidgets"], _languages(), strict=True
        ):
            subwidget["language_code"] = code
            subwidget["language_name"] = language
            subwidget["attrs"]["lang"] = code
        return context


class TranslationsFormField(forms.MultiValueField):
    """Accepts a text per language; `required` means at least one language is filled in."""

    def __init__(self, *, multiline: bool = False, max_length: int | None = None, **kwargs: Any):
        fields = [
            forms.CharField(required=False, max_length=max_length, strip=True)
            for _code in _languages()
        ]
        kwargs.setdefault("widget", TranslationsWidget(multiline=multiline))
        kwargs.pop("encoder", None)
        kwargs.pop("decoder", None)
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    def compress(self, data_list: list[str]) -> dict[str, str]:
        if not data_list:
            return {}
        return {
            code: text for (code, _name), text in zip(_languages(), data_list, strict=True) if text
        }

    def validate(self, value: dict[str, str]) -> None:
        if self.required and not value:
            raise ValidationError(_("Fill in at least one language."), code="required")


def validate_translations(value: Any) -> None:
    """A translated value is a mapping of known language codes to strings."""
    # Codes other than "invalid": a model field replaces an "invalid" message with its own
    # "Value must be valid JSON.", which would hide what is actually wrong.
    if not isinstance(value, dict):
        raise ValidationError(_("Expected a text per language."), code="not_a_mapping")
    known = {code for code, _name in _languages()}
    for code, text in value.items():
        if code not in known:
            raise ValidationError(
                _("Unknown language code %(code)s."), code="unknown_language", params={"code": code}
            )
        if not isinstance(text, str):
            raise ValidationError(
                _("The %(code)s text must be a string."), code="not_a_string", params={"code": code}
            )


class UnicodeJSONEncoder(DjangoJSONEncoder):
    """Stores non-Latin letters as themselves, so the database can search the text (SQLite too)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ensure_ascii"] = False
        super().__init__(*args, **kwargs)


class TranslatedField(models.JSONField):
    """A text per language. `multiline` picks a textarea in forms; `max_length` bounds each text."""

    def __init__(
        self, *args: Any, multiline: bool = False, max_length: int | None = None, **kwargs: Any
    ) -> None:
        self.multiline = multiline
        self.text_max_length = max_length
        kwargs.setdefault("default", dict)
        kwargs.setdefault("encoder", UnicodeJSONEncoder)
        super().__init__(*args, **kwargs)
        self.validators.append(validate_translations)

    def deconstruct(self) -> tuple[Any, ...]:
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("encoder") is UnicodeJSONEncoder:
            del kwargs["encoder"]
        if self.multiline:
            kwargs["multiline"] = True
        if self.text_max_length:
            kwargs["max_length"] = self.text_max_length
        return name, path, args, kwargs

    def formfield(self, **kwargs: Any) -> forms.Field:  # type: ignore[override]
        return TranslationsFormField(
            label=capfirst(self.verbose_name),
            help_text=self.help_text,
            required=not self.blank,
            multiline=self.multiline,
            max_length=self.text_max_length,
            disabled=kwargs.get("disabled", False),
        )

    def validate(self, value: Any, model_instance: Any) -> None:
        super().validate(value, model_instance)
        if not isinstance(value, dict) or not all(isinstance(t, str) for t in value.values()):
            return  # not texts at all: validate_translations, run next, says what is wrong
        if not self.blank and not any(value.values()):
            raise ValidationError(self.error_messages["blank"], code="blank")
        if self.text_max_length:
            for code, text in value.items():
                if len(text) > self.text_max_length:
                    raise ValidationError(
                        _("The %(code)s text is longer than %(max)d characters."),
                        code="max_length",
                        params={"code": code, "max": self.text_max_length},
                    )
