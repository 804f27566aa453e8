"""Template helpers: translated values with fallback, and small formatting rules."""

from __future__ import annotations

from collections.abc import Mapping

from django import template
from django.utils import translation
from django.utils.html import format_html, linebreaks
from django.utils.safestring import mark_safe

from okno.core.i18n import pick_language, tr

register = template.Library()


@register.filter(name="tr")
def tr_filter(value: Mapping[str, str] | None, fallback: str | None = None) -> str:
    """The value in the page's language, or the fallback language (text only, for attributes)."""
    return tr(value, fallback)


@register.filter
def tr_html(value: Mapping[str, str] | None, fallback: str | None = None) -> str:
    """Like `tr`, but text shown in another language is marked with its `lang`, for screen readers."""
    code = pick_language(value, fallback)
    if not value or not code:
        return ""
    if code == (translation.get_language() or "").split("-")[0]:
        return format_html("{}", value[code])
    return format_html('<span lang="{}">{}</span>', code, value[code])


@register.filter
def tr_paragraphs(value: Mapping[str, str] | None, fallback: str | None = None) -> str:
    """A multi-line translated text as paragraphs, marked with its language when it falls back."""
    code = pick_language(value, fallback)
    if not value or not code:
        return ""
    body = mark_safe(linebreaks(value[code], autoescape=True))
    if code == (translation.get_language() or "").split("-")[0]:
        return body
    return format_html('<div lang="{}">{}</div>', code, body)
