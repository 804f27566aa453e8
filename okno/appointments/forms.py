"""Forms of the citizen's booking pages: the chosen time, the contact, the one-time code."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from okno.notifications.contact import Contact, normalise_contact

OTP_PATTERN = re.compile(r"^[0-9]{6}$")


class ChooseTimeForm(forms.Form):
    """The time button pressed: the slot's start as an ISO 8601 moment with its offset."""

    start = forms.CharField(max_length=40)

    def clean_start(self) -> dt.datetime:
        raw = self.cleaned_data["start"].strip()
        try:
            moment = dt.datetime.fromisoformat(raw)
        except ValueError:
            raise ValidationError(_("Choose one of the free times."), code="invalid") from None
        if moment.tzinfo is None:
            raise ValidationError(_("Choose one of the free times."), code="invalid")
        return moment


class ContactForm(forms.Form):
    """Where the one-time code and the reminders go, the consent to them, and a trap for bots.

    `website` is the honeypot: hidden from people and from screen readers, left empty by
    everyone who sees the page as a person does; form-filling bots fill every field.
    """

    contact = forms.CharField(
        label=_("Mobile phone number or e-mail address"),
        max_length=254,
        help_text=_(
            "We send a code to confirm the booking, then a reminder before your visit. "
            "For example 067 123 45 67 or name@example.com."
        ),
    )
    consent = forms.BooleanField(
        label=_("I agree to receive messages about this booking at this phone number or address."),
        error_messages={"required": _("Tick the box so that we may send you the code.")},
    )
    website = forms.CharField(label=_("Leave this empty"), required=False, max_length=200)

    def __init__(self, *args: object, country: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.country = country

    def clean_contact(self) -> Contact:
        return normalise_contact(self.cleaned_data["contact"], country=self.country)

    @property
    def is_bot(self) -> bool:
        """True when the hidden field was filled in (checked before anything else)."""
        return bool(self.data.get("website", "").strip())


class CodeForm(forms.Form):
    """The six digits from the message (spaces and dashes a person may type are ignored)."""

    code = forms.CharField(
        label=_("Code from the message"),
        max_length=20,
        help_text=_("Six digits."),
    )

    def clean_code(self) -> str:
        digits = re.sub(r"[\s-]", "", self.cleaned_data["code"])
        if not OTP_PATTERN.match(digits):
            raise ValidationError(_("Enter the six digits of the code from the message."))
        return digits
