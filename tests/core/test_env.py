"""The strict environment readers: good values pass, malformed ones stop start-up with a clear message."""

from __future__ import annotations

import pytest

from okno.core.env import (
    ConfigurationError,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    env_time_zone,
)

NAME = "OKNO_TEST_VARIABLE"


@pytest.fixture
def setenv(monkeypatch):
    monkeypatch.delenv(NAME, raising=False)

    def set_value(value: str) -> None:
        monkeypatch.setenv(NAME, value)

    return set_value


def test_env_str_gives_the_default_when_unset(setenv):
    assert env_str(NAME, "fallback") == "fallback"
    assert env_str(NAME) == ""


def test_env_str_strips_surrounding_spaces(setenv):
    setenv("  /srv/okno  ")
    assert env_str(NAME, "fallback") == "/srv/okno"


@pytest.mark.parametrize("raw", ["1", "true", "TRUE", "Yes", "on", " true "])
def test_env_bool_accepts_the_words_for_yes(setenv, raw):
    setenv(raw)
    assert env_bool(NAME, False) is True


@pytest.mark.parametrize("raw", ["0", "false", "False", "no", "OFF", ""])
def test_env_bool_accepts_the_words_for_no(setenv, raw):
    setenv(raw)
    assert env_bool(NAME, True) is False


@pytest.mark.parametrize("default", [True, False])
def test_env_bool_gives_the_default_when_unset(setenv, default):
    assert env_bool(NAME, default) is default


@pytest.mark.parametrize("raw", ["maybe", "2", "yes please", "t", "истина"])
def test_env_bool_refuses_anything_else_naming_the_variable_and_value(setenv, raw):
    setenv(raw)
    with pytest.raises(ConfigurationError) as caught:
        env_bool(NAME, False)
    message = str(caught.value)
    assert NAME in message
    assert repr(raw) in message
    assert "true/false" in message


@pytest.mark.parametrize(("raw", "expected"), [("0", 0), ("42", 42), (" 7 ", 7), ("-3", -3)])
def test_env_int_reads_whole_numbers(setenv, raw, expected):
    setenv(raw)
    assert env_int(NAME, 99) == expected


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_env_int_gives_the_default_when_unset_or_empty(setenv, raw):
    if raw is not None:
        setenv(raw)
    assert env_int(NAME, 99) == 99


@pytest.mark.parametrize("raw", ["1.5", "ten", "12abc", "0x10"])
def test_env_int_refuses_what_is_not_a_whole_number(setenv, raw):
    setenv(raw)
    with pytest.raises(ConfigurationError, match="is not a whole number") as caught:
        env_int(NAME, 0)
    assert NAME in str(caught.value)


def test_env_int_refuses_a_value_below_the_minimum(setenv):
    setenv("-1")
    with pytest.raises(ConfigurationError, match="below the minimum of 0") as caught:
        env_int(NAME, 0, minimum=0)
    assert NAME in str(caught.value)


def test_env_int_accepts_the_minimum_itself(setenv):
    setenv("0")
    assert env_int(NAME, 5, minimum=0) == 0


def test_env_list_splits_on_commas_and_drops_blanks(setenv):
    setenv(" okno.example.gov , localhost,, [::1] ,")
    assert env_list(NAME, ["default"]) == ["okno.example.gov", "localhost", "[::1]"]


def test_env_list_gives_the_default_when_unset_and_nothing_when_empty(setenv):
    assert env_list(NAME, ["default"]) == ["default"]
    setenv("")
    assert env_list(NAME, ["default"]) == []


def test_env_choice_accepts_one_of_the_choices(setenv):
    setenv(" pl ")
    assert env_choice(NAME, "uk", ["uk", "pl"]) == "pl"


def test_env_choice_gives_the_default_when_unset_or_empty(setenv):
    assert env_choice(NAME, "uk", ["uk", "pl"]) == "uk"
    setenv("")
    assert env_choice(NAME, "uk", ["uk", "pl"]) == "uk"


@pytest.mark.parametrize("raw", ["de", "UK", "ukrainian"])
def test_env_choice_refuses_other_values_listing_the_choices(setenv, raw):
    setenv(raw)
    with pytest.raises(ConfigurationError) as caught:
        env_choice(NAME, "uk", ["uk", "pl"])
    message = str(caught.value)
    assert NAME in message
    assert repr(raw) in message
    assert "uk, pl" in message


@pytest.mark.parametrize("raw", ["Europe/Kyiv", "Europe/Warsaw", "Asia/Almaty", "UTC"])
def test_env_time_zone_accepts_iana_names(setenv, raw):
    setenv(raw)
    assert env_time_zone(NAME, "Europe/Kyiv") == raw


def test_env_time_zone_gives_the_default_when_unset(setenv):
    assert env_time_zone(NAME, "Europe/Kyiv") == "Europe/Kyiv"


@pytest.mark.parametrize(
    "raw", ["Mars/Olympus", "Europe", "europe/kyiv", "/etc/passwd", "../etc", "Europe/Kyiv/"]
)
def test_env_time_zone_refuses_unknown_or_malformed_names(setenv, raw):
    setenv(raw)
    with pytest.raises(ConfigurationError, match="is not a known time zone") as caught:
        env_time_zone(NAME, "Europe/Kyiv")
    assert NAME in str(caught.value)
    assert "Europe/Kyiv" in str(caught.value)  # the message shows what a good value looks like
