"""Forms of the operator's console: each action's input, validated before a service is called."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from okno.catalog.models import Service, ServicePoint
from okno.core.i18n import tr
from okno.queueing.models import PauseReason, Ticket
from okno.queueing.services import FINISH_OUTCOMES

NOTE_MAX_LENGTH = 500


class OpenDeskForm(forms.Form):
    """The service point to work at; whose office it is and whether it is free, the service
    decides (`open_desk`), so the refusal is the domain's own message."""

    service_point = forms.ModelChoiceField(
        queryset=ServicePoint.objects.select_related("office"),
        label=_("Service point"),
        error_messages={
            "required": _("Choose a service point."),
            "invalid_choice": _("There is no such service point."),
        },
    )


class TicketForm(forms.Form):
    """An action on one ticket; the posted id must name a ticket of the operator's offices, and
    the page sends the ticket it shows, so a stale page never acts on a different visitor."""

    ticket = forms.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Say which ticket."),
            "invalid": _("There is no such ticket."),
            "min_value": _("There is no such ticket."),
            "max_value": _("There is no such ticket."),
        },
    )

    #: Several of these forms share a page: each names its fields' ids after itself.
    id_prefix = "ticket"

    def __init__(self, *args: Any, tickets: QuerySet[Ticket], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.tickets = tickets

    def clean_ticket(self) -> Ticket:
        ticket = self.tickets.filter(pk=self.cleaned_data["ticket"]).first()
        if ticket is None:
            raise forms.ValidationError(_("There is no such ticket."), code="unknown")
        return ticket


class FinishForm(TicketForm):
    id_prefix = "finish"
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(o.value, o.label) for o in Ticket.Outcome if o in FINISH_OUTCOMES],
        initial=Ticket.Outcome.SERVED,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the outcome of the visit.")},
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ServiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Service) -> str:
        return f"{obj.group.prefix} · {tr(obj.name)}"


class TransferForm(TicketForm):
    id_prefix = "transfer"
    service = ServiceChoiceField(
        queryset=Service.objects.none(),
        label=_("Send to the service"),
        empty_label=_("Choose a service"),
        error_messages={
            "required": _("Choose the service to send the visitor to."),
            "invalid_choice": _("This service is not offered at this office."),
        },
    )
    note = forms.CharField(
        label=_("Note for the colleague (optional)"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, services: QuerySet[Service], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        ticket, service = cleaned.get("ticket"), cleaned.get("service")
        if ticket is not None and service is not None and service.pk == ticket.service_id:
            self.add_error("service", _("The visitor is already in this service's queue."))
        return cleaned


class PauseForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "pause-%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    reason = forms.ChoiceField(
        label=_("Reason for the pause"),
        choices=PauseReason.choices,
        error_messages={
            "required": _("Choose a reason for the pause."),
            "invalid_choice": _("Choose one of the listed reasons for the pause."),
        },
    )


def first_error(form: forms.Form) -> str:
    """The first error of an invalid form, to show as the console's message."""
    for errors in form.errors.values():
        for error in errors:
            return str(error)
    return str(_("Check the form and try again."))
