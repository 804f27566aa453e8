"""Forms of the complaint pages: filing on the portal or at the desk, following, staff actions.

The forms check only what a person typed; the rules (deadlines, transitions, what a contact
may look like) stay in `okno.feedback.services`, which the views call with the cleaned data.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from okno.catalog.models import Office, Service
from okno.core.forms import AccessibleForm
from okno.feedback.models import Complaint
from okno.notifications.contact import normalise_contact
from okno.queueing import selectors as queue_selectors
from okno.queueing.models import Ticket
from okno.staff.models import Employee

#: What a ticket's secret code may look like once spaces are gone (see queueing's CODE_ALPHABET).
TICKET_CODE = re.compile(r"^[a-z0-9]{6,16}$")
#: What a complaint's reference may look like once spaces are gone.
REFERENCE = re.compile(r"^[A-Z0-9]{4,12}$")


class ComplaintForm(AccessibleForm):
    """A complaint, suggestion or thanks filed by a citizen on the portal.

    `website` is the honeypot: hidden from people and from screen readers, left empty by every
    person; form-filling bots fill every field.
    """

    kind = forms.ChoiceField(
        label=_("What would you like to send?"),
        choices=Complaint.Kind.choices,
        initial=Complaint.Kind.COMPLAINT,
        widget=forms.RadioSelect,
    )
    category = forms.ChoiceField(label=_("What is it about?"), choices=Complaint.Category.choices)
    office = forms.ModelChoiceField(
        label=_("Office"),
        queryset=Office.objects.none(),
        to_field_name="slug",
        empty_label=_("Choose the office"),
    )
    service = forms.ModelChoiceField(
        label=_("Service (if it concerns one)"),
        queryset=Service.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label=_("No particular service"),
    )
    ticket_code = forms.CharField(
        label=_("Code of your ticket (if it concerns a visit)"),
        max_length=40,
        required=False,
        help_text=_("The code printed on the ticket and shown on the ticket page."),
    )
    text = forms.CharField(
        label=_("Describe what happened or what you suggest"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Describe what happened or what you suggest.")},
    )
    contact = forms.CharField(
        label=_("Phone number or e-mail address for the answer (optional)"),
        max_length=254,
        required=False,
        help_text=_(
            "Used only to send you the answer and news about this appeal, and deleted when it "
            "is closed. Without it, follow the appeal by its reference."
        ),
    )
    website = forms.CharField(label=_("Leave this empty"), required=False, max_length=200)

    def __init__(self, *args: Any, office: Office | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offices = Office.objects.filter(is_active=True).order_by("slug")
        self.fields["office"].queryset = offices  # type: ignore[attr-defined]
        services = Service.objects.filter(is_active=True, offices__is_active=True).distinct()
        if office is not None:
            services = services.filter(offices=office)
        self.fields["service"].queryset = services.order_by("code")  # type: ignore[attr-defined]

    @property
    def is_bot(self) -> bool:
        """True when the hidden field was filled in (checked before anything else)."""
        return bool(str(self.data.get("website", "")).strip())

    def clean_ticket_code(self) -> str:
        code = "".join(self.cleaned_data["ticket_code"].split()).lower()
        if code and not TICKET_CODE.match(code):
            raise ValidationError(_("No visit with this ticket code was found."), code="ticket")
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        office: Office | None = data.get("office")
        _check_service(self, office, data.get("service"))
        _check_contact(self, office, data.get("contact", ""))
        data["ticket"] = None
        code = data.get("ticket_code")
        if office is not None and code:
            ticket = _ticket(code)
            # Only a visit to the office the complaint is about: a code from elsewhere is
            # refused the same way as an unknown one, so codes cannot be probed across offices.
            if ticket is None or ticket.office_id != office.pk:
                self.add_error("ticket_code", _("No visit with this ticket code was found."))
            else:
                data["ticket"] = ticket
        return data


class FollowForm(AccessibleForm):
    """The reference of an appeal, to follow its status."""

    code = forms.CharField(
        label=_("Reference of your appeal"),
        max_length=40,
        help_text=_("It was shown when you sent the appeal and is in every message about it."),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split()).upper().replace("-", "")
        if not REFERENCE.match(code):
            raise ValidationError(_("No appeal with this reference was found."), code="unknown")
        return code


class StaffComplaintForm(AccessibleForm):
    """A complaint received on paper or by phone, typed in by the staff who received it."""

    channel = forms.ChoiceField(
        label=_("Received"),
        choices=[
            (Complaint.Channel.PAPER, Complaint.Channel.PAPER.label),
            (Complaint.Channel.PHONE, Complaint.Channel.PHONE.label),
        ],
        widget=forms.RadioSelect,
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Complaint.Kind.choices, initial=Complaint.Kind.COMPLAINT
    )
    category = forms.ChoiceField(label=_("Category"), choices=Complaint.Category.choices)
    office = forms.ModelChoiceField(
        label=_("Office"), queryset=Office.objects.none(), to_field_name="slug"
    )
    service = forms.ModelChoiceField(
        label=_("Service (if it concerns one)"),
        queryset=Service.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label=_("No particular service"),
    )
    text = forms.CharField(
        label=_("Text of the appeal"), max_length=5000, widget=forms.Textarea(attrs={"rows": 8})
    )
    contact = forms.CharField(
        label=_("Phone number or e-mail address for the answer (optional)"),
        max_length=254,
        required=False,
    )
    language = forms.ChoiceField(label=_("Language of the answer"), choices=[])

    def __init__(
        self, *args: Any, offices: QuerySet[Office], languages: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = offices  # type: ignore[attr-defined]
        self.fields["service"].queryset = (  # type: ignore[attr-defined]
            Service.objects.filter(is_active=True, offices__in=offices).distinct().order_by("code")
        )
        self.fields["language"].choices = languages  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _check_service(self, data.get("office"), data.get("service"))
        _check_contact(self, data.get("office"), data.get("contact", ""))
        return data


class ComplaintFilterForm(forms.Form):
    """The filters of the staff list; anything malformed is ignored rather than refused."""

    status = forms.ChoiceField(
        choices=[("", _("Still to answer")), ("all", _("All")), *Complaint.Status.choices],
        required=False,
    )
    office = forms.SlugField(max_length=80, required=False)
    overdue = forms.BooleanField(required=False)
    mine = forms.BooleanField(required=False)


# --- staff actions ------------------------------------------------------------------------------


class ReasonForm(forms.Form):
    """Extend the deadline or reject: the reason, which the citizen is told."""

    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea)


class ReassignForm(forms.Form):
    to = forms.ModelChoiceField(label=_("Hand over to"), queryset=Employee.objects.none())
    reason = forms.CharField(label=_("Reason"), max_length=500)

    def __init__(self, *args: Any, office: Office, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = office_staff(office)  # type: ignore[attr-defined]


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer (the citizen sees it)"), max_length=10000, widget=forms.Textarea
    )


class ForwardForm(forms.Form):
    to = forms.CharField(label=_("Forwarded to (authority)"), max_length=500)


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Internal note (never shown to the citizen)"),
        max_length=2000,
        widget=forms.Textarea,
    )


def office_staff(office: Office) -> QuerySet[Employee]:
    """The active employees of an office, who a complaint may be handed to."""
    return (
        Employee.objects.filter(offices=office, user__is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )


def _check_service(form: forms.Form, office: Office | None, service: Service | None) -> None:
    if (
        office is not None
        and service is not None
        and not office.services.filter(pk=service.pk).exists()
    ):
        form.add_error("service", _("This service is not offered at the office you chose."))


def _check_contact(form: forms.Form, office: Office | None, contact: str) -> None:
    """Say what to type when the contact is neither a mobile number nor an e-mail address (the
    service would refuse it too, but here the message sits by the field)."""
    if office is None or not contact.strip():
        return
    try:
        normalise_contact(contact, country=office.country)
    except ValidationError as error:
        form.add_error("contact", error)


def _ticket(code: str) -> Ticket | None:
    try:
        return queue_selectors.ticket_by_code(code)
    except Http404:
        return None
