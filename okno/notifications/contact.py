"""Where a citizen wants to hear from us: a mobile phone (for SMS) or an e-mail address."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext_lazy as _

PHONE = "phone"
EMAIL = "email"

#: SMS reach mobiles only; some countries (the USA, ...) cannot tell a mobile from a landline by
#: the number, so those count too.
_MOBILE_TYPES = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)
_HIDDEN = "•"
_validate_email = EmailValidator()


@dataclass(frozen=True)
class Contact:
    """A normalised contact: `kind` is "phone" (value in E.164, "+380671234567") or "email"."""

    kind: str
    value: str

    def __post_init__(self) -> None:
        if self.kind not in (PHONE, EMAIL):
            raise ValueError(f"unknown contact kind {self.kind!r}")

    @classmethod
    def from_value(cls, value: str) -> Contact:
        """The contact for a value `normalise_contact` produced earlier (e.g. kept in a column)."""
        return cls(EMAIL if "@" in value else PHONE, value)

    @property
    def is_phone(self) -> bool:
        return self.kind == PHONE

    @property
    def masked(self) -> str:
        """Safe to show and to log: "+380 •• ••• •• 67", "o•••@example.com"."""
        return mask(self.value)

    def __str__(self) -> str:
        # A contact printed by accident (an f-string, a log line) shows no personal data.
        return self.masked


def normalise_contact(raw: str, *, country: str) -> Contact:
    """The contact a person typed: a mobile number (national form for the office's `country`, or
    international) or an e-mail address. Raises ValidationError saying what to type."""
    text = raw.strip()
    if "@" in text:
        return _email(text, country=country)
    return _phone(text, country=country)


def mask(value: str) -> str:
    """A normalised phone number or e-mail address with all but a hint hidden."""
    if "@" in value:
        local, _at, domain = value.rpartition("@")
        return f"{local[:1]}{_HIDDEN * 3}@{domain}"
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return _HIDDEN * 3 + value[-2:]
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    code = f"+{number.country_code}"
    national = formatted.removeprefix(code).replace("-", " ")
    # Drop the last two digits from the grouping, hide the rest, then show the two on their own.
    digits_seen, cut = 0, len(national)
    for index in range(len(national) - 1, -1, -1):
        if national[index].isdigit():
            digits_seen += 1
            if digits_seen == 2:
                cut = index
                break
    hidden = re.sub(r"\d", _HIDDEN, national[:cut]).rstrip()
    return f"{code}{hidden} {national[cut:].replace(' ', '')}"


def _phone(text: str, *, country: str) -> Contact:
    region = country.upper()
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise _invalid(region) from None
    if not phonenumbers.is_valid_number(number):
        raise _invalid(region)
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        raise ValidationError(
            _(
                "This looks like a landline number; text messages need a mobile phone number "
                "such as %(example)s. Or enter an e-mail address."
            ),
            code="landline",
            params={"example": _example(region)},
        )
    return Contact(PHONE, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def _email(text: str, *, country: str) -> Contact:
    try:
        _validate_email(text)
    except ValidationError:
        raise _invalid(country.upper()) from None
    local, _at, domain = text.rpartition("@")
    # The part before @ may be case-sensitive on some servers; the domain never is.
    return Contact(EMAIL, f"{local}@{domain.lower()}")


def _invalid(region: str) -> ValidationError:
    return ValidationError(
        _("Enter a mobile phone number such as %(example)s, or an e-mail address."),
        code="invalid_contact",
        params={"example": _example(region)},
    )


def _example(region: str) -> str:
    """A mobile number of the office's country as people write it (+380 50 123 4567)."""
    number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if number is None:
        number = phonenumbers.example_number_for_type("UA", phonenumbers.PhoneNumberType.MOBILE)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
