"""The shipped catalogues are complete: every message in the code is translated into uk, ru, pl
and kk, nothing is left fuzzy, and no translation drops or invents a placeholder."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command

import okno

PACKAGE = Path(okno.__file__).parent
TRANSLATED = ["uk", "ru", "pl", "kk"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]|\{\w*\}")


def _catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(PACKAGE / "locale" / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    catalogue = _catalogue(language)
    missing = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert missing == [], f"{len(missing)} untranslated in {language}: {missing[:5]}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy in {language}: {fuzzy[:5]}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_the_placeholders_of_their_message(language):
    wrong = []
    for entry in _catalogue(language).translated_entries():
        expected = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            found = sorted(PLACEHOLDER.findall(text))
            # A plural's singular form may leave the count out ("one ticket").
            if found != expected and not (entry.msgid_plural and set(found) <= set(expected)):
                wrong.append((entry.msgid, text))
    assert wrong == []


def test_the_catalogues_hold_every_message_of_the_code(tmp_path):
    """What makemessages would extract today is already in the committed catalogue."""
    copy = tmp_path / "okno"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    cwd = os.getcwd()
    os.chdir(copy)
    try:
        call_command("makemessages", locale=["uk"], ignore_patterns=["migrations/*"], verbosity=0)
    finally:
        os.chdir(cwd)
    extracted = {
        (e.msgctxt, e.msgid)
        for e in polib.pofile(str(copy / "locale/uk/LC_MESSAGES/django.po"))
        if not e.obsolete
    }
    committed = {(e.msgctxt, e.msgid) for e in _catalogue("uk") if not e.obsolete}
    assert sorted(m for _c, m in extracted - committed) == []
