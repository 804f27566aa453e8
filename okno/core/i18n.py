"""Languages: translated values stored per language, fallbacks, and compiling the gettext catalogues."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from django.conf import settings
from django.utils import translation


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def pick_language(value: Mapping[str, str] | None, *fallbacks: str | None) -> str | None:
    """The language in which `value` will be shown: the active one, then the fallbacks, then any."""
    if not value:
        return None
    candidates = [translation.get_language(), *fallbacks, settings.LANGUAGE_CODE, "en"]
    for code in candidates:
        if code and value.get(code):
            return code
        if code and "-" in code and value.get(code.split("-")[0]):
            return code.split("-")[0]
    for code in language_codes():
        if value.get(code):
            return code
    return next((code for code, text in value.items() if text), None)


def tr(value: Mapping[str, str] | None, *fallbacks: str | None) -> str:
    """The text of a translated value in the active language, falling back as `pick_language` says."""
    code = pick_language(value, *fallbacks)
    return value[code] if value and code else ""


def compile_catalogues(locale_dirs: Iterable[Path] | None = None) -> int:
    """Compile every .po file whose .mo is missing or older; return how many were compiled.

    Uses polib so that no GNU gettext tools are needed on the machine. Each .mo is written
    to a temporary file and renamed, so several processes starting together are safe.
    """
    import polib

    compiled = 0
    for locale_dir in locale_dirs or [Path(p) for p in settings.LOCALE_PATHS]:
        for po_path in Path(locale_dir).glob("*/LC_MESSAGES/*.po"):
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            handle, tmp_name = tempfile.mkstemp(dir=po_path.parent, suffix=".mo.tmp")
            os.close(handle)
            polib.pofile(str(po_path)).save_as_mofile(tmp_name)
            os.replace(tmp_name, mo_path)
            compiled += 1
    if compiled:
        _forget_loaded_catalogues()
    return compiled


def _forget_loaded_catalogues() -> None:
    """Make Django read the catalogues again: one loaded before its .mo existed (at start-up on
    a fresh install) would otherwise stay empty for the life of the process."""
    from asgiref.local import Local
    from django.utils.translation import trans_real

    trans_real._translations = {}
    trans_real._default = None
    trans_real._active = Local()
    trans_real.translation_catalog_exists.cache_clear()
