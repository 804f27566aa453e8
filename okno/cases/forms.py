"""Forms of the front office's intake: the service to apply for, and the application itself.

The forms check only what was typed and ticked; the rules (mandatory documents, which applicant
data the service asks for, what a contact may look like) stay in `okno.cases.services`, whose
domain errors the view puts back on these forms' fields.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.forms.boundfield import BoundField
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from okno.cases.models import Case, CaseRules
from okno.catalog.models import RequiredDocument, Service
from okno.core.forms import AccessibleForm
from okno.core.i18n import tr

#: The checklist's answer for a document the applicant did not hand in.
NOT_RECEIVED = ""
#: Applicant fields and the `CaseRules` field that says whether the service asks for each.
APPLICANT_FIELDS = {
    "applicant_name": "applicant_name",
    "contact": "applicant_contact",
    "identifier": "identifier",
}


class ServiceChoiceForm(forms.Form):
    """The service an application is for, among those the office accepts (by its short name)."""

    service = forms.ModelChoiceField(
        label=_("Service"),
        queryset=Service.objects.none(),
        to_field_name="slug",
        empty_label=_("Choose the service"),
        error_messages={
            "required": _("Choose the service."),
            "invalid_choice": _("This office does not accept applications for this service."),
        },
    )

    def __init__(self, *args: Any, services: QuerySet[Service], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services  # type: ignore[attr-defined]
        self.fields["service"].label_from_instance = _service_label  # type: ignore[attr-defined]


@dataclass(frozen=True)
class DocumentRow:
    """One document of the checklist and the field saying in what form it was received."""

    document: RequiredDocument
    field: BoundField


def _new_key() -> str:
    return uuid.uuid4().hex


class IntakeForm(AccessibleForm):
    """An application: how it came in, the checklist, the applicant and what happens next.

    Built for one service: a choice per document of its checklist (`doc_<id>`), and only the
    applicant fields its `CaseRules` ask for. With a ticket the applicant is at the window, so
    the application came in person.
    """

    channel = forms.ChoiceField(
        label=_("The application came"),
        choices=Case.Channel.choices,
        initial=Case.Channel.IN_PERSON,
        widget=forms.RadioSelect,
    )
    missing_reason = forms.CharField(
        label=_("Accepted without a mandatory document because"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Only when a mandatory document was not handed in; the reason is printed on the "
            "receipt and kept in the case's history."
        ),
    )
    applicant_name = forms.CharField(label=_("Applicant's name"), max_length=200, required=False)
    contact = forms.CharField(
        label=_("Phone or e-mail"),
        max_length=254,
        required=False,
        help_text=_("For messages about the application; deleted when the case is closed."),
    )
    identifier = forms.CharField(label=_("Identifier"), max_length=64, required=False)
    language = forms.ChoiceField(
        label=_("Applicant's language"),
        choices=settings.LANGUAGES,
        help_text=_("The receipt and the messages about the application are in this language."),
    )
    send = forms.BooleanField(
        label=_("Send to the back office now"),
        required=False,
        initial=True,
        help_text=_("Leave unticked to keep the file at the office for now."),
    )
    # One key per form shown: pressing "Register" twice (or resending after a lost answer)
    # registers one application and shows its receipt.
    intake_key = forms.CharField(
        widget=forms.HiddenInput, max_length=64, required=False, initial=_new_key
    )
    print_now = forms.BooleanField(
        label=_("Open the print dialogue for the receipt"), required=False, initial=True
    )

    def __init__(
        self,
        *args: Any,
        checklist: list[RequiredDocument],
        rules: CaseRules,
        with_ticket: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.checklist = checklist
        self.fields["language"].initial = _current_language()
        if with_ticket:
            self.fields["channel"].choices = [  # type: ignore[attr-defined]
                (Case.Channel.IN_PERSON, Case.Channel.IN_PERSON.label)
            ]
        for document in checklist:
            self.fields[_document_field(document)] = forms.ChoiceField(
                label=tr(document.name),
                choices=[(NOT_RECEIVED, _("not received")), *RequiredDocument.Form.choices],
                initial=NOT_RECEIVED,
                required=False,
                widget=forms.RadioSelect,
            )
        if tr(rules.identifier_label):
            self.fields["identifier"].label = tr(rules.identifier_label)
        self.asked: dict[str, bool] = {}
        for name, rule in APPLICANT_FIELDS.items():
            need = getattr(rules, rule)
            if need == CaseRules.Need.NO:
                del self.fields[name]
                continue
            self.asked[name] = need == CaseRules.Need.REQUIRED
            if need == CaseRules.Need.REQUIRED:
                # The service says what is missing, in its words; the field only says it is needed.
                self.fields[name].widget.attrs["aria-required"] = "true"
        self.describe()

    @property
    def document_rows(self) -> list[DocumentRow]:
        return [DocumentRow(doc, self[_document_field(doc)]) for doc in self.checklist]

    @property
    def applicant_fields(self) -> list[tuple[BoundField, bool]]:
        """The applicant fields the service asks for, each with whether it requires it."""
        return [(self[name], required) for name, required in self.asked.items()]

    def documents(self) -> dict[int, str]:
        """Document id -> the form it was received in, for the documents handed in."""
        received: dict[int, str] = {}
        for document in self.checklist:
            form = self.cleaned_data.get(_document_field(document)) or NOT_RECEIVED
            if form != NOT_RECEIVED:
                received[document.pk] = form
        return received

    def register_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of `services.register_case` that this form gives."""
        data = self.cleaned_data
        return {
            "documents": self.documents(),
            "channel": data["channel"],
            "missing_reason": data.get("missing_reason", ""),
            "applicant_name": data.get("applicant_name", ""),
            "contact": data.get("contact", ""),
            "identifier": data.get("identifier", ""),
            "language": data["language"],
            "send": data.get("send", False),
            "intake_key": data.get("intake_key") or None,
        }


def _document_field(document: RequiredDocument) -> str:
    return f"doc_{document.pk}"


def _service_label(service: Service) -> str:
    return f"{service.code} · {tr(service.name)}"


def _current_language() -> str:
    """The page's language if the applicant's language list has it (`uk` for `uk-UA`)."""
    codes = [code for code, _name in settings.LANGUAGES]
    current = translation.get_language() or settings.LANGUAGE_CODE
    if current in codes:
        return current
    base = current.split("-")[0]
    return base if base in codes else settings.LANGUAGE_CODE
