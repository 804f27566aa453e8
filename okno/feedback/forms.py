"""Forms of rating a visit: the five criteria, the recommendation, a comment, the voluntary
self-description, and the staff's look-up of a visit rated by phone."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import BoundField
from django.utils.translation import gettext_lazy as _

from okno.feedback.models import CRITERIA, SCORE_WORDS, Rating

#: The question asked for each criterion, in the order of `CRITERIA`.
QUESTIONS = {
    "service_time": _("How long did the service itself take?"),
    "waiting_time": _("How long did you wait in the queue?"),
    "politeness": _("How polite and competent was the employee?"),
    "comfort": _("How comfortable were the premises?"),
    "information": _("How clear was the information about the procedure?"),
}
#: "Prefer not to say" is the empty choice of each self-description question.
PREFER_NOT_TO_SAY = ("", _("Prefer not to say"))


def _criterion(name: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=QUESTIONS[name],
        choices=[(score, SCORE_WORDS[score]) for score in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a score from 1 to 5."),
            "invalid_choice": _("Choose a score from 1 to 5."),
        },
    )


class RatingForm(forms.Form):
    """One visitor's rating: every criterion is required, the rest is optional."""

    service_time = _criterion("service_time")
    waiting_time = _criterion("waiting_time")
    politeness = _criterion("politeness")
    comfort = _criterion("comfort")
    information = _criterion("information")
    recommend = forms.TypedChoiceField(
        label=_("How likely are you to recommend this centre to others?"),
        choices=[(value, str(value)) for value in range(11)],
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose a number from 0 to 10.")},
    )
    comment = forms.CharField(
        label=_("What should we keep or change? (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 2000}),
    )
    age_band = forms.ChoiceField(
        label=_("Your age"), choices=[PREFER_NOT_TO_SAY, *Rating.AgeBand.choices], required=False
    )
    gender = forms.ChoiceField(
        label=_("Your gender"), choices=[PREFER_NOT_TO_SAY, *Rating.Gender.choices], required=False
    )
    disability = forms.ChoiceField(
        label=_("Do you have a disability?"),
        choices=[PREFER_NOT_TO_SAY, *Rating.Disability.choices],
        required=False,
    )

    def criteria(self) -> list[BoundField]:
        return [self[name] for name in CRITERIA]

    def about_you(self) -> list[BoundField]:
        return [self["age_band"], self["gender"], self["disability"]]

    def rating_kwargs(self) -> dict[str, Any]:
        """What `rate_visit` takes, from the cleaned data."""
        data = self.cleaned_data
        return {
            "scores": {name: data[name] for name in CRITERIA},
            "recommend": data.get("recommend"),
            "comment": data.get("comment", ""),
            "age_band": data.get("age_band", ""),
            "gender": data.get("gender", ""),
            "disability": data.get("disability", ""),
        }


class RatingPhoneForm(RatingForm):
    """A rating a visitor gave by phone: which visit (number and day, or the ticket's code)."""

    office = forms.SlugField(label=_("Office"), max_length=100)
    label = forms.CharField(
        label=_("Ticket number"),
        max_length=8,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "A001"}),
    )
    day = forms.DateField(
        label=_("Day of the visit"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    code = forms.CharField(
        label=_("or the ticket's code"),
        max_length=16,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def visit_fields(self) -> list[BoundField]:
        return [self["label"], self["day"], self["code"]]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("code", "").strip() and not (
            data.get("label", "").strip() and data.get("day")
        ):
            raise forms.ValidationError(
                _("Give the ticket number and the day of the visit, or the ticket's code."),
                code="no_ticket",
            )
        return data


class RatingFollowUpForm(forms.Form):
    """The head's note closing the follow-up of a low rating."""

    note = forms.CharField(
        label=_("What was done"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
    )
