"""TranslatedField: a text per language in one column, validated, edited and searched."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from okno.catalog.models import Office, Service, ServiceGroup
from okno.core.fields import (
    TranslatedField,
    TranslationsFormField,
    TranslationsWidget,
    validate_translations,
)
from tests.factories import OfficeFactory, ServiceFactory

LANGUAGES = ["uk", "ru", "pl", "kk", "en"]


@pytest.fixture(autouse=True)
def _english():
    """Messages are compared in English, the language they are written in."""
    with translation.override("en"):
        yield


def name_field() -> TranslatedField:
    """Office.name: required, at most 200 characters per language."""
    return Office._meta.get_field("name")


def address_field() -> TranslatedField:
    """Office.address: may be blank, at most 300 characters per language."""
    return Office._meta.get_field("address")


# --- validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [{"uk": "Паспорт"}, {"uk": "Паспорт", "en": "Passport", "kk": "Паспорт", "pl": "Paszport"}],
)
def test_known_languages_with_text_are_valid(value):
    assert name_field().clean(value, None) == value


def test_an_unknown_language_code_is_refused_by_name():
    with pytest.raises(ValidationError) as caught:
        name_field().clean({"uk": "Паспорт", "de": "Reisepass"}, None)
    assert "Unknown language code de." in caught.value.messages


@pytest.mark.parametrize("text", [5, None, ["Паспорт"], {"text": "Паспорт"}])
def test_a_text_that_is_not_a_string_is_refused(text):
    with pytest.raises(ValidationError) as caught:
        name_field().clean({"uk": text}, None)
    assert "The uk text must be a string." in caught.value.messages


@pytest.mark.parametrize("text", [5, None])
def test_a_text_that_is_not_a_string_is_refused_on_a_field_that_may_be_blank(text):
    with pytest.raises(ValidationError) as caught:
        address_field().clean({"en": text}, None)
    assert "The en text must be a string." in caught.value.messages


@pytest.mark.parametrize("value", ["Паспорт", ["uk", "Паспорт"], 7])
def test_a_value_that_is_not_a_mapping_is_refused(value):
    with pytest.raises(ValidationError) as caught:
        name_field().clean(value, None)
    assert "Expected a text per language." in caught.value.messages


@pytest.mark.parametrize("value", [{}, {"uk": ""}, {"uk": "", "en": ""}])
def test_a_required_field_needs_text_in_at_least_one_language(value):
    with pytest.raises(ValidationError) as caught:
        name_field().clean(value, None)
    assert caught.value.error_list[0].code == "blank"


@pytest.mark.parametrize("value", [{}, {"uk": ""}])
def test_a_field_that_may_be_blank_accepts_no_text(value):
    assert address_field().clean(value, None) == value


def test_each_text_is_bounded_by_max_length():
    assert name_field().clean({"uk": "я" * 200, "en": "a" * 200}, None)
    with pytest.raises(ValidationError) as caught:
        name_field().clean({"uk": "я" * 200, "en": "a" * 201}, None)
    assert caught.value.messages == ["The en text is longer than 200 characters."]


def test_a_model_with_a_bad_translation_reports_it_against_the_field(db):
    office = OfficeFactory.build(name={"xx": "Office"})
    with pytest.raises(ValidationError) as caught:
        office.full_clean()
    assert caught.value.message_dict["name"] == ["Unknown language code xx."]


def test_a_model_with_a_non_string_text_reports_it_against_the_field(db):
    office = OfficeFactory.build(name={"uk": 42})
    with pytest.raises(ValidationError) as caught:
        office.full_clean()
    assert caught.value.message_dict["name"] == ["The uk text must be a string."]


def test_deconstruct_keeps_the_options_a_migration_needs():
    _name, path, _args, kwargs = Service._meta.get_field("summary").deconstruct()
    assert path == "okno.core.fields.TranslatedField"
    assert kwargs["multiline"] is True
    assert kwargs["max_length"] == 1000
    assert "encoder" not in kwargs  # the default encoder is implied
    rebuilt = TranslatedField(**kwargs)
    assert rebuilt.multiline and rebuilt.text_max_length == 1000


def test_validate_translations_accepts_an_empty_mapping():
    validate_translations({})


# --- the form field -----------------------------------------------------------------------


def test_the_widget_decompresses_into_one_input_per_language_in_site_order():
    widget = TranslationsWidget()
    assert widget.decompress({"en": "Passport", "uk": "Паспорт"}) == [
        "Паспорт",
        "",
        "",
        "",
        "Passport",
    ]
    assert widget.decompress(None) == ["", "", "", "", ""]


def test_the_form_field_compresses_filled_inputs_only():
    field = TranslationsFormField()
    assert field.compress(["Паспорт", "", "", "", "Passport"]) == {
        "uk": "Паспорт",
        "en": "Passport",
    }
    assert field.compress([]) == {}


def test_a_value_survives_the_form_round_trip():
    form_field = name_field().formfield()
    value = {"uk": "Паспорт громадянина", "pl": "Paszport", "en": "Passport"}
    inputs = {
        f"name_{code}": text
        for code, text in zip(LANGUAGES, form_field.widget.decompress(value), strict=True)
    }
    submitted = form_field.widget.value_from_datadict(inputs, {}, "name")
    assert form_field.clean(submitted) == value
    assert not form_field.has_changed(value, submitted)


def test_the_form_field_strips_spaces_and_drops_empty_languages():
    form_field = name_field().formfield()
    assert form_field.clean(["  Паспорт ", " ", "", "", ""]) == {"uk": "Паспорт"}


def test_a_required_form_field_needs_one_language():
    form_field = name_field().formfield()
    with pytest.raises(ValidationError):
        form_field.clean(["", "", "", "", ""])


def test_a_blank_form_field_accepts_nothing():
    form_field = address_field().formfield()
    assert form_field.required is False
    assert form_field.clean(["", "", "", "", ""]) == {}


def test_the_form_field_bounds_each_text():
    form_field = name_field().formfield()
    with pytest.raises(ValidationError):
        form_field.clean(["", "", "", "", "a" * 201])


def test_the_form_field_notices_a_change_in_one_language():
    form_field = name_field().formfield()
    assert form_field.has_changed({"uk": "Паспорт"}, ["Паспорт", "", "", "", "Passport"])


def test_multiline_fields_get_textareas_and_each_input_is_labelled_with_its_language():
    form_field = Service._meta.get_field("summary").formfield()
    html = form_field.widget.render("summary", {"uk": "Опис"}, attrs={"id": "id_summary"})
    assert html.count("<textarea") == len(LANGUAGES)
    labels = re.findall(r'<label for="([^"]+)">', html)
    inputs = re.findall(r'<textarea name="summary_(\w+)"[^>]* id="([^"]+)" lang="(\w+)"', html)
    assert [code for code, _id, _lang in inputs] == LANGUAGES
    assert [lang for _code, _id, lang in inputs] == LANGUAGES
    assert labels == [input_id for _code, input_id, _lang in inputs]
    assert "Опис" in html


# --- searching the stored text --------------------------------------------------------------


def test_non_latin_text_is_stored_as_itself_not_as_escapes(db):
    office = OfficeFactory(name={"uk": "Центр «Дія»", "pl": "Łódź"})
    column = "name::text" if connection.vendor == "postgresql" else "name"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {Office._meta.db_table} WHERE id = %s", [office.pk])
        (stored,) = cursor.fetchone()
    assert "Центр «Дія»" in stored and "Łódź" in stored
    assert "\\u" not in stored


@pytest.mark.parametrize("needle", ["Паспорт", "громадянина", "Łódź", "PASSPORT", "passport"])
def test_non_ascii_text_is_found_with_icontains(db, needle):
    ServiceFactory(
        name={"uk": "Паспорт громадянина України", "pl": "Paszport z Łódź", "en": "Passport"}
    )
    ServiceFactory(name={"uk": "Реєстрація місця проживання", "en": "Registration"})
    assert Service.objects.filter(name__icontains=needle).count() == 1


@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="SQLite folds case for ASCII letters only"
)
def test_cyrillic_is_found_whatever_its_case_on_postgresql(db):
    ServiceGroup.objects.create(prefix="Z", name={"uk": "Паспортні послуги"})
    assert ServiceGroup.objects.filter(name__icontains="паспортні").count() == 1
