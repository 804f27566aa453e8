"""Domain errors of the staff app."""

from django.utils.translation import gettext_lazy as _


class StaffError(Exception):
    message = _("The staff change could not be made.")

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message


class NotAnEmployee(StaffError):
    message = _("This user is not an employee of any centre.")


class CompetencyOutsideOffices(StaffError):
    message = _("The service is not offered in any of the employee's offices.")
