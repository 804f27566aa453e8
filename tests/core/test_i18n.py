"""Translated values: which language is shown, how fallbacks are marked, and compiled catalogues."""

from __future__ import annotations

import os

import polib
import pytest
from django.template import Context, Template
from django.utils import translation

from okno.core.i18n import compile_catalogues, pick_language, tr
from okno.core.templatetags.okno import tr_html, tr_paragraphs

NAME = {"uk": "Паспорт", "pl": "Paszport", "en": "Passport"}


@pytest.mark.parametrize(
    ("active", "expected"), [("uk", "uk"), ("pl", "pl"), ("en", "en"), ("en-gb", "en")]
)
def test_the_page_language_comes_first(active, expected):
    with translation.override(active):
        assert pick_language(NAME) == expected


def test_a_missing_language_falls_back_to_the_given_language_before_the_sites():
    with translation.override("kk"):
        assert pick_language(NAME, "pl") == "pl"
        assert tr(NAME, "pl") == "Paszport"


def test_then_to_the_sites_language_then_english_then_any():
    with translation.override("kk"):
        assert pick_language(NAME) == "uk"  # the site's language (OKNO_LANGUAGE_CODE)
        assert pick_language({"pl": "Paszport", "en": "Passport"}) == "en"
        assert pick_language({"pl": "Paszport"}) == "pl"
        assert pick_language({"ru": "", "pl": "Paszport"}) == "pl"  # empty texts do not count


@pytest.mark.parametrize("value", [None, {}, {"uk": ""}])
def test_no_text_at_all_is_an_empty_string(value):
    assert tr(value) == ""
    assert pick_language(value) is None


def test_tr_html_marks_text_shown_in_another_language():
    with translation.override("en"):
        assert tr_html({"uk": "Паспорт"}) == '<span lang="uk">Паспорт</span>'
        assert tr_html(NAME) == "Passport"
        assert tr_html({}) == ""


def test_tr_html_escapes_the_text():
    with translation.override("en"):
        assert tr_html({"en": "<b>x</b>"}) == "&lt;b&gt;x&lt;/b&gt;"
        assert tr_html({"uk": "<b>x</b>"}) == '<span lang="uk">&lt;b&gt;x&lt;/b&gt;</span>'


def test_tr_paragraphs_keeps_lines_and_marks_the_language():
    with translation.override("en"):
        assert tr_paragraphs({"en": "One\n\nTwo <i>"}) == "<p>One</p>\n\n<p>Two &lt;i&gt;</p>"
        assert tr_paragraphs({"pl": "Jeden"}) == '<div lang="pl"><p>Jeden</p></div>'
        assert tr_paragraphs(None) == ""


def test_the_template_filters_take_a_fallback_language():
    template = Template("{% load okno %}{{ value|tr:'pl' }}|{{ value|tr_html:'pl' }}")
    with translation.override("kk"):
        assert (
            template.render(Context({"value": NAME})) == 'Paszport|<span lang="pl">Paszport</span>'
        )


def write_po(path, translated: str) -> None:
    catalogue = polib.POFile()
    catalogue.metadata = {"Content-Type": "text/plain; charset=utf-8"}
    catalogue.append(polib.POEntry(msgid="Search", msgstr=translated))
    path.parent.mkdir(parents=True, exist_ok=True)
    catalogue.save(str(path))


def test_catalogues_are_compiled_once_and_again_when_the_po_file_changes(tmp_path):
    po = tmp_path / "uk" / "LC_MESSAGES" / "django.po"
    write_po(po, "Пошук")

    assert compile_catalogues([tmp_path]) == 1
    mo = po.with_suffix(".mo")
    assert polib.mofile(str(mo)).find("Search").msgstr == "Пошук"
    assert compile_catalogues([tmp_path]) == 0  # up to date

    write_po(po, "Знайти")
    later = mo.stat().st_mtime + 10
    os.utime(po, (later, later))
    assert compile_catalogues([tmp_path]) == 1
    assert polib.mofile(str(mo)).find("Search").msgstr == "Знайти"
    assert not list(po.parent.glob("*.tmp"))


def test_a_catalogue_read_before_it_was_compiled_is_read_again(tmp_path, settings):
    """A fresh install: something translates during start-up before the .mo files exist."""
    from django.utils import translation

    phrase = "A phrase only this test knows"
    catalogue = polib.POFile()
    catalogue.metadata = {"Content-Type": "text/plain; charset=utf-8"}
    catalogue.append(polib.POEntry(msgid=phrase, msgstr="Фраза лише цього тесту"))
    po = tmp_path / "uk" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    catalogue.save(str(po))
    settings.LOCALE_PATHS = [str(tmp_path)]
    with translation.override("uk"):
        assert translation.gettext(phrase) == phrase  # no .mo yet: loaded empty

    compile_catalogues([tmp_path])

    with translation.override("uk"):
        assert translation.gettext(phrase) == "Фраза лише цього тесту"
