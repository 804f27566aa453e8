"""Catalogue search: any alphabet, inflected words, small typos; only active services; fresh index."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from okno.catalog import search
from okno.catalog.models import Service
from okno.catalog.search import fold, words
from tests.factories import LifeSituationFactory, ServiceFactory, ServiceGroupFactory

pytestmark = pytest.mark.django_db


def found_services(query: str) -> list[int]:
    return [hit.pk for hit in search.search(query) if hit.kind == "service"]


@pytest.fixture
def catalogue():
    """A passport service in three languages, and two services that have nothing to do with it."""
    group = ServiceGroupFactory(prefix="A", name={"uk": "Документи", "en": "Documents"})
    return {
        "passport_en": ServiceFactory(group=group, name={"en": "Passport"}),
        "passport_uk": ServiceFactory(group=group, name={"uk": "Паспорт громадянина України"}),
        "passport_pl": ServiceFactory(group=group, name={"pl": "Paszport"}),
        "parking": ServiceFactory(group=group, name={"en": "Parking permit"}),
        "water": ServiceFactory(group=group, name={"uk": "Підключення до водопостачання"}),
    }


def passports(catalogue) -> set[int]:
    return {catalogue[key].pk for key in ("passport_en", "passport_uk", "passport_pl")}


# --- folding ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Паспорт", "pasport"),
        ("Paszport", "paszport"),
        ("Łódź", "lodz"),
        ("Їжак і ґанок", "izhak i ganok"),
        ("Қазақстан", "kazakstan"),
        ("П'ятниця", "pyatnitsya"),
    ],
)
def test_every_alphabet_folds_to_lower_case_latin(text, folded):
    # Cyrillic transliterated letter by letter, diacritics dropped, apostrophes removed.
    assert fold(text) == folded


def test_words_are_split_on_anything_that_is_not_a_letter_or_digit():
    assert words("Паспорт, ID-картка (14 років)") == ["pasport", "id", "kartka", "14", "rokiv"]


# --- finding -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["pasport", "passport", "паспорт", "Паспорт", "paszport", "PASSPORT"]
)
def test_a_passport_is_found_in_every_language_and_alphabet(catalogue, query):
    assert passports(catalogue) <= set(found_services(query))


@pytest.mark.parametrize("query", ["pasport", "паспорт", "paszport"])
def test_a_passport_query_finds_nothing_unrelated(catalogue, query):
    unrelated = {catalogue["parking"].pk, catalogue["water"].pk}
    assert not unrelated & set(found_services(query))


def test_a_cyrillic_query_finds_latin_text(catalogue):
    assert catalogue["passport_en"].pk in found_services("паспорт")


def test_a_latin_query_finds_cyrillic_text(catalogue):
    assert catalogue["passport_uk"].pk in found_services("pasport")
    assert catalogue["water"].pk in found_services("vodopostachannia")


@pytest.mark.parametrize("query", ["паспорта", "паспортів", "паспортом"])
def test_inflected_ukrainian_forms_are_found(catalogue, query):
    assert catalogue["passport_uk"].pk in found_services(query)


def test_an_inflected_polish_form_is_found(catalogue):
    assert catalogue["passport_pl"].pk in found_services("paszportu")


def test_a_prefix_of_a_word_is_found(catalogue):
    assert catalogue["water"].pk in found_services("водопост")


def test_a_small_typo_is_forgiven(catalogue):
    assert catalogue["parking"].pk in found_services("parkng")


@pytest.mark.parametrize("query", ["zzzzqqq", "трактор", "12345", "", "   ", "a", "—", "%_*"])
def test_a_query_matching_nothing_returns_nothing(catalogue, query):
    assert search.search(query) == []


def test_a_very_long_query_is_answered(catalogue):
    assert isinstance(search.search("паспорт " * 500), list)


def test_a_registry_code_is_found():
    service = ServiceFactory(code="A17")
    assert found_services("a17") == [service.pk]


def test_words_people_use_are_found_through_keywords():
    service = ServiceFactory(
        name={"en": "Identity card"}, keywords={"uk": "айді, ідентифікаційна картка"}
    )
    assert found_services("айді") == [service.pk]


def test_life_situations_are_found_too():
    situation = LifeSituationFactory(name={"uk": "Народження дитини", "en": "Birth of a child"})
    hits = search.search("народження")
    assert [(hit.kind, hit.pk) for hit in hits] == [("situation", situation.pk)]


def test_a_query_of_several_words_prefers_services_matching_all_of_them():
    both = ServiceFactory(name={"en": "Passport for a child"})
    one = ServiceFactory(name={"en": "Passport"})
    assert found_services("passport child") == [both.pk]
    assert set(found_services("passport")) == {both.pk, one.pk}


# --- ranking -------------------------------------------------------------------------------------------


def test_a_name_match_ranks_above_a_summary_only_match():
    in_summary = ServiceFactory(
        name={"en": "Residence registration"},
        summary={"en": "Bring your passport and the lease agreement."},
    )
    in_name = ServiceFactory(name={"en": "Passport"})
    assert found_services("passport") == [in_name.pk, in_summary.pk]


def test_a_keyword_match_ranks_between_name_and_summary():
    in_summary = ServiceFactory(name={"en": "Lease"}, summary={"en": "Requires a passport."})
    in_keywords = ServiceFactory(name={"en": "Travel document"}, keywords={"en": "passport"})
    in_name = ServiceFactory(name={"en": "Passport"})
    assert found_services("passport") == [in_name.pk, in_keywords.pk, in_summary.pk]


def test_an_exact_word_ranks_above_a_fuzzy_one():
    fuzzy = ServiceFactory(name={"en": "Paszport"})
    exact = ServiceFactory(name={"en": "Pasport"})
    assert found_services("pasport") == [exact.pk, fuzzy.pk]


# --- freshness and active services only ------------------------------------------------------------


def test_inactive_services_never_appear():
    ServiceFactory(name={"en": "Passport"}, is_active=False)
    assert found_services("passport") == []


def test_the_index_follows_an_edit(catalogue):
    assert catalogue["parking"].pk not in found_services("tractor")
    parking = catalogue["parking"]
    parking.name = {"en": "Tractor registration"}
    parking.save()
    assert found_services("tractor") == [parking.pk]
    assert parking.pk not in found_services("parking")


def test_the_index_follows_a_deactivation(catalogue):
    passport = catalogue["passport_en"]
    assert passport.pk in found_services("passport")
    passport.is_active = False
    passport.save()
    assert passport.pk not in found_services("passport")
    passport.is_active = True
    passport.save()
    assert passport.pk in found_services("passport")


def test_the_index_follows_a_new_and_a_deleted_service(catalogue):
    assert found_services("tractor") == []
    tractor = ServiceFactory(name={"en": "Tractor registration"})
    assert found_services("tractor") == [tractor.pk]
    tractor.delete()
    assert found_services("tractor") == []


def test_the_index_follows_a_renamed_group():
    group = ServiceGroupFactory(name={"en": "Documents"})
    service = ServiceFactory(group=group, name={"en": "Certificate"})
    assert found_services("vehicles") == []
    group.name = {"en": "Vehicles"}
    group.save()
    assert found_services("vehicles") == [service.pk]


def test_the_index_is_reused_while_the_catalogue_does_not_change(catalogue):
    search.search("passport")
    first = search._current[1]
    search.search("water")
    assert search._current[1] is first


def test_searches_in_quick_succession_read_the_catalogue_version_once(
    catalogue, django_assert_num_queries
):
    # Saves and deletions forget the version at once (the tests above), so it can be trusted.
    search.search("passport")
    with django_assert_num_queries(0):
        search.search("water")
        search.search("parking")


def test_a_deletion_of_many_services_at_once_is_found_at_once(catalogue):
    assert catalogue["parking"].pk in found_services("parking")
    Service.objects.filter(name__en="Parking permit").delete()
    assert found_services("parking") == []


def test_a_change_that_bypasses_the_models_is_found_within_a_second(catalogue):
    a_minute_later = timezone.now() + dt.timedelta(minutes=1)
    with time_machine.travel(a_minute_later, tick=False) as clock:
        assert found_services("tractor") == []
        Service.objects.filter(pk=catalogue["parking"].pk).update(
            name={"en": "Tractor registration"}, updated_at=timezone.now()
        )
        clock.shift(dt.timedelta(seconds=2))
        assert found_services("tractor") == [catalogue["parking"].pk]
