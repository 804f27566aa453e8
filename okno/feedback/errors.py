"""Domain errors of feedback; views and the API turn them into a translated 4xx."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from okno.queueing.errors import QueueError


class FeedbackError(QueueError):
    message = _("This feedback could not be recorded.")
    status = 409


class InvalidRatingLink(FeedbackError):
    message = _("This rating link is not valid. Use the link or QR code from your ticket.")
    status = 404


class RatingWindowClosed(FeedbackError):
    message = _("The time to rate this visit has passed.")
    status = 410


class AlreadyRated(FeedbackError):
    message = _("This visit has already been rated. Thank you!")


class NotRateable(FeedbackError):
    message = _("Only a visit that has been served can be rated.")


class InvalidScore(FeedbackError):
    message = _("Give each criterion a score from 1 to 5, and the recommendation from 0 to 10.")
    status = 400


class TooManyRatings(FeedbackError):
    message = _("Too many ratings from this address; please try again later.")
    status = 429


class ComplaintNotFound(FeedbackError):
    message = _("No complaint with this reference was found.")
    status = 404


class TransitionNotAllowed(FeedbackError):
    message = _("This complaint cannot do that in its current state.")


class ReasonRequired(FeedbackError):
    message = _("Give the reason.")
    status = 400


class TextRequired(FeedbackError):
    message = _("Describe what happened or what you suggest.")
    status = 400


class AnswerRequired(FeedbackError):
    message = _("Write the answer first.")
    status = 400


class ExtensionNotAllowed(FeedbackError):
    message = _("The deadline cannot be extended further under the rule for this country.")


class NotYourOffice(FeedbackError):
    message = _("This complaint belongs to an office you do not work at.")
    status = 403
