"""Domain errors of cases; views and the API turn them into a translated 4xx."""

from __future__ import annotations

from typing import Any

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from okno.queueing.errors import QueueError


def _formatted(template: Any, **params: Any) -> str:
    """`template % params`, translated when it is read (in the language of whoever reads it)."""
    return lazy(lambda: str(template) % params, str)()


class CaseError(QueueError):
    message = _("This change to the case could not be made.")
    status = 409


class CaseNotFound(CaseError):
    message = _("No application has this code. Check the code on your receipt.")
    status = 404


class TransitionNotAllowed(CaseError):
    message = _("The application is not in a state that allows this step.")


class ReasonRequired(CaseError):
    message = _("Give the reason; it is kept in the case's history.")
    status = 400


class DecisionRequired(CaseError):
    message = _("Choose the decision: granted or refused.")
    status = 400


class GroundsRequired(CaseError):
    message = _("A refusal needs its grounds, as listed in the service passport.")
    status = 400


class MissingDocuments(CaseError):
    message = _(
        "Mandatory documents are missing: %(documents)s. Tick them, or record why the "
        "application is accepted without them."
    )
    status = 400

    def __init__(self, documents: list[str]) -> None:
        self.documents = documents
        super().__init__(_formatted(self.message, documents=", ".join(documents)))

    def payload(self) -> dict[str, Any]:
        return {"missing_documents": self.documents}


class InvalidApplicant(CaseError):
    message = _("Check the applicant's details.")
    status = 400

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields
        joined = lazy(lambda: " ".join(str(text) for text in fields.values()), str)()
        super().__init__(joined if fields else None)

    def payload(self) -> dict[str, Any]:
        return {"fields": {name: str(text) for name, text in self.fields.items()}}


class InvalidInput(CaseError):
    """Something typed or sent that cannot be right (another office's visit, a stranger document)."""

    message = _("Check what you entered.")
    status = 400


class InvalidChoice(InvalidInput):
    message = _("This value is not one of the allowed choices.")


class ServiceNotOffered(CaseError):
    message = _("This office does not accept applications for this service.")
    status = 400


class NotInUnit(CaseError):
    message = _("Only a member of the case's back-office unit can take it.")
    status = 403


class AlreadyTaken(CaseError):
    message = _("Somebody has already taken this case.")


class InvalidFile(CaseError):
    message = _("This file cannot be attached.")
    status = 400


class FileTooLarge(InvalidFile):
    message = _("The file is larger than %(limit)s MB.")

    def __init__(self, limit_mb: int) -> None:
        self.limit_mb = limit_mb
        super().__init__(_formatted(self.message, limit=limit_mb))


class FileTypeNotAllowed(InvalidFile):
    message = _("Attach a PDF, JPEG, PNG or TIFF file.")


class MayNotRegister(CaseError):
    message = _("Only the front office, heads of office and administrators register applications.")
    status = 403


class StepNotYours(CaseError):
    message = _("Your role does not take this step for this application.")
    status = 403


class UnknownVisit(CaseError):
    message = _("No visit with this id was served at this office.")
    status = 400


class UnknownServicePoint(CaseError):
    message = _("This office has no service point with this id.")
    status = 400


class TooManyLookups(CaseError):
    message = _("Too many look-ups from this address; please try again in a few minutes.")
    status = 429


class TooManyTickets(CaseError):
    message = _("Too many tickets from this address; please try again later.")
    status = 429


class PickupNotAvailable(CaseError):
    message = _("A ticket for picking up the result can be taken once the result is ready.")
