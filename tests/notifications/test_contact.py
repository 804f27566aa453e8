"""Contacts as citizens type them: national or international phone numbers of the office's
country, e-mail addresses; refused with a message saying what to type; masked for display."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from okno.notifications.contact import Contact, mask, normalise_contact


@pytest.mark.parametrize(
    ("raw", "country", "e164"),
    [
        ("067 123 45 67", "UA", "+380671234567"),
        ("0671234567", "UA", "+380671234567"),
        ("+380 (67) 123-45-67", "UA", "+380671234567"),
        ("  +380671234567 ", "UA", "+380671234567"),
        ("600 100 200", "PL", "+48600100200"),
        ("+48 600-100-200", "PL", "+48600100200"),
        ("8 701 123 45 67", "KZ", "+77011234567"),
        ("+7 701 123 45 67", "KZ", "+77011234567"),
        ("8 912 345 67 89", "RU", "+79123456789"),
        ("8 (916) 123-45-67", "RU", "+79161234567"),
        # A foreign mobile in international form is fine at any office.
        ("+48 600 100 200", "UA", "+48600100200"),
    ],
)
def test_a_mobile_number_becomes_e164(raw, country, e164):
    assert normalise_contact(raw, country=country) == Contact("phone", e164)


def test_the_office_country_may_be_given_in_lower_case():
    assert normalise_contact("600 100 200", country="pl").value == "+48600100200"


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("olena@example.com", "olena@example.com"),
        (" Olena.K@Example.COM ", "Olena.K@example.com"),
        ("jan+cnap@poczta.PL", "jan+cnap@poczta.pl"),
    ],
)
def test_an_email_address_keeps_its_name_and_lower_cases_its_domain(raw, value):
    assert normalise_contact(raw, country="UA") == Contact("email", value)


@pytest.mark.parametrize(
    ("raw", "country"),
    [
        ("", "UA"),
        ("hello", "UA"),
        ("12", "UA"),
        ("067 123 45 6", "UA"),  # a digit short
        ("067 123 45 67 89", "UA"),  # too long
        ("600 100 20", "PL"),
        ("olena@", "UA"),
        ("olena@example", "UA"),
        ("olena @example.com", "UA"),
        ("@example.com", "UA"),
    ],
)
def test_what_is_neither_a_number_nor_an_address_is_refused_saying_what_to_type(raw, country):
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            normalise_contact(raw, country=country)
        (message,) = refused.value.messages  # lazy: read in the language it is asserted in
    assert message.startswith("Enter a mobile phone number such as +")
    assert message.endswith(", or an e-mail address.")


def test_the_example_number_belongs_to_the_office_country():
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            normalise_contact("nonsense", country="PL")
        assert refused.value.messages[0].startswith("Enter a mobile phone number such as +48 ")


@pytest.mark.parametrize(
    ("raw", "country"),
    [("044 123 45 67", "UA"), ("22 123 45 67", "PL"), ("8 495 123 45 67", "RU")],
)
def test_a_landline_is_refused_because_it_cannot_receive_sms(raw, country):
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            normalise_contact(raw, country=country)
        assert refused.value.code == "landline"
        assert "landline" in refused.value.messages[0]


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("+380671234567", "+380 •• ••• •• 67"),
        ("+48600100200", "+48 ••• ••• • 00"),
        ("+77011234567", "+7 ••• ••• •• 67"),
        ("+79123456789", "+7 ••• ••• •• 89"),
        ("olena@example.com", "o•••@example.com"),
    ],
)
def test_a_masked_contact_shows_only_the_country_code_and_the_last_two_digits(value, masked):
    contact = Contact.from_value(value)
    assert contact.masked == masked == mask(value)
    assert str(contact) == masked


def test_a_stored_value_gives_back_its_contact():
    assert Contact.from_value("+380671234567") == Contact("phone", "+380671234567")
    assert Contact.from_value("olena@example.com") == Contact("email", "olena@example.com")


def test_a_contact_of_an_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        Contact("fax", "+380441234567")
