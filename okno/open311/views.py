"""Open311 GeoReport v2 over complaints and suggestions, so existing Open311 clients can file and
follow them.

One Open311 service per complaint category (`service_code` = the category's value); a request
is a complaint, its `service_request_id` is the complaint's reference; the office is the
`jurisdiction_id` (its slug). Formats by extension, `.json` or `.xml`; errors are the
specification's list of `{code, description}`, in either format. Text is translated into the
language of `?locale=` or of Accept-Language.

What is public: a reference is the key to an appeal's status (as on the status page), so
anybody asking by `service_request_id` gets those requests; listing requests by date, status or
service needs the `api_key` of a staff member, and covers their offices. Neither ever carries
the contact. Anonymous POSTs are rate-limited per client address.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from decimal import Decimal, InvalidOperation
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from okno.catalog.models import Office
from okno.core import ratelimit
from okno.core.i18n import tr
from okno.core.scoping import scope
from okno.feedback import errors, services
from okno.feedback.models import Complaint
from okno.feedback.views.staff_complaints import READING_ROLES
from okno.staff.services import authenticate_token

#: (scope, hits, seconds) of anonymous POSTs per client address.
POST_LIMIT = ("open311-post", 20, 3600)
MAX_RESULTS = 1000
DEFAULT_DAYS = 90
OPEN = "open"
CLOSED = "closed"

Fields = dict[str, Any]


class Open311Error(Exception):
    """An error answered in the specification's format."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


# --- endpoints ----------------------------------------------------------------------------------


@require_GET
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    """GET services: one service per complaint category."""
    with translation.override(_language(request)):
        kinds = ", ".join(str(label) for label in Complaint.Kind.labels)
        group = str(Complaint._meta.verbose_name_plural)
        rows = [
            {
                "service_code": category.value,
                "service_name": str(category.label),
                "description": str(category.label),
                "metadata": False,
                "type": "realtime",
                "keywords": kinds,
                "group": group,
            }
            for category in Complaint.Category
        ]
    return _answer(fmt, "services", "service", rows)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def request_list(request: HttpRequest, fmt: str) -> HttpResponse:
    """GET: requests by id (anybody) or by filters (staff's api_key); POST: file a request."""
    language = _language(request)
    with translation.override(language):
        try:
            if request.method == "POST":
                return _answer(fmt, "service_requests", "request", [_file(request, language)], 201)
            return _answer(fmt, "service_requests", "request", _search(request))
        except Open311Error as error:
            return _error(fmt, error)


@require_GET
def request_detail(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    """GET one request by its id (the complaint's reference)."""
    with translation.override(_language(request)):
        try:
            complaint = services.complaint_by_code(code)
        except errors.ComplaintNotFound as error:
            return _error(fmt, Open311Error(404, str(error.message)))
        return _answer(fmt, "service_requests", "request", [public_fields(complaint)])


def public_fields(complaint: Complaint) -> Fields:
    """A complaint as a GeoReport v2 service request: public fields only, never the contact."""
    office = complaint.office
    last_change = complaint.events.order_by("-at").values_list("at", flat=True).first()
    expected = dt.datetime.combine(complaint.deadline, dt.time(23, 59, 59), tzinfo=office.zone)
    return {
        "service_request_id": complaint.code,
        "status": OPEN if complaint.status in services.OPEN_STATUSES else CLOSED,
        "status_notes": complaint.answer or complaint.reason,
        "service_name": complaint.get_category_display(),
        "service_code": complaint.category,
        "description": "",
        "agency_responsible": tr(office.name, office.default_language),
        "service_notice": "",
        "requested_datetime": _iso(complaint.received_at, office),
        "updated_datetime": _iso(last_change or complaint.received_at, office),
        "expected_datetime": expected.isoformat(),
        "address": "",
        "address_id": "",
        "zipcode": "",
        "lat": complaint.latitude,
        "long": complaint.longitude,
        "media_url": "",
    }


# --- reading ------------------------------------------------------------------------------------


def _search(request: HttpRequest) -> list[Fields]:
    params = request.GET
    complaints = Complaint.objects.select_related("office").order_by("-received_at", "-pk")
    ids = _list(params.get("service_request_id", ""))
    if ids:
        complaints = complaints.filter(code__in=[code.upper()[:12] for code in ids[:MAX_RESULTS]])
    else:
        # Without ids the list spans other people's appeals: staff only, within their offices.
        user = authenticate_token(params.get("api_key", "")) if params.get("api_key") else None
        employee = getattr(user, "employee", None)
        if employee is None or employee.role not in READING_ROLES:
            raise Open311Error(
                403, _("Give service_request_id, or an api_key to list requests by filters.")
            )
        complaints = scope(complaints, user)
    jurisdiction = params.get("jurisdiction_id", "").strip()
    if jurisdiction:
        complaints = complaints.filter(office__slug=jurisdiction)
    codes = _list(params.get("service_code", ""))
    if codes:
        complaints = complaints.filter(category__in=codes)
    statuses = _list(params.get("status", ""))
    if statuses:
        if not set(statuses) <= {OPEN, CLOSED}:
            raise Open311Error(400, _("status must be open or closed."))
        if statuses == [OPEN]:
            complaints = complaints.filter(status__in=services.OPEN_STATUSES)
        elif statuses == [CLOSED]:
            complaints = complaints.exclude(status__in=services.OPEN_STATUSES)
    start = _moment(params, "start_date")
    end = _moment(params, "end_date")
    if start is None and end is None and not ids:
        start = timezone.now() - dt.timedelta(days=DEFAULT_DAYS)
    if start is not None:
        complaints = complaints.filter(received_at__gte=start)
    if end is not None:
        complaints = complaints.filter(received_at__lte=end)
    return [public_fields(complaint) for complaint in complaints[:MAX_RESULTS]]


# --- filing -------------------------------------------------------------------------------------


def _file(request: HttpRequest, language: str) -> Fields:
    data = request.POST
    if ratelimit.exceeded(
        POST_LIMIT[0],
        ratelimit.client_address(request),
        limit=POST_LIMIT[1],
        window_seconds=POST_LIMIT[2],
    ):
        raise Open311Error(429, _("Too many requests from this address; try again later."))
    slug = data.get("jurisdiction_id", "").strip()
    if not slug:
        raise Open311Error(400, _("jurisdiction_id is required: the office's short name."))
    office = Office.objects.filter(slug=slug[:80], is_active=True).first()
    if office is None:
        raise Open311Error(404, _("jurisdiction_id was not found."))
    category = data.get("service_code", "").strip()
    if category not in Complaint.Category.values:
        raise Open311Error(404, _("service_code was not found."))
    description = data.get("description", "").strip()
    if not description:
        raise Open311Error(400, _("description is required."))
    address = data.get("address_string", "").strip()[:300]
    if address:
        description = f"{description}\n\n{address}"
    latitude = _coordinate(data, "lat", 90)
    longitude = _coordinate(data, "long", 180)
    if (latitude is None) != (longitude is None):
        raise Open311Error(400, _("lat and long go together."))
    contact = (data.get("email", "") or data.get("phone", "")).strip()[:254]
    try:
        complaint = services.file_complaint(
            office,
            text=description,
            category=category,
            channel=Complaint.Channel.OPEN311,
            contact=contact,
            language=language,
            latitude=latitude,
            longitude=longitude,
        )
    except errors.FeedbackError as error:
        raise Open311Error(400, str(error.message)) from None
    with translation.override(complaint.language):
        notice = _("Appeal %(code)s is registered; the answer is due by %(date)s.") % {
            "code": complaint.code,
            "date": complaint.deadline.isoformat(),
        }
    return {"service_request_id": complaint.code, "service_notice": notice, "account_id": None}


# --- formats ------------------------------------------------------------------------------------


def _answer(fmt: str, root: str, item: str, rows: list[Fields], status: int = 200) -> HttpResponse:
    if fmt == "json":
        return JsonResponse(
            [{key: _json_value(value) for key, value in row.items()} for row in rows],
            safe=False,
            status=status,
            json_dumps_params={"ensure_ascii": False},
        )
    tree = ET.Element(root)
    for row in rows:
        element = ET.SubElement(tree, item)
        for key, value in row.items():
            ET.SubElement(element, key).text = _xml_text(value)
    return _xml_response(tree, status)


def _error(fmt: str, error: Open311Error) -> HttpResponse:
    if fmt == "json":
        return JsonResponse(
            [{"code": error.status, "description": error.description}],
            safe=False,
            status=error.status,
            json_dumps_params={"ensure_ascii": False},
        )
    tree = ET.Element("errors")
    element = ET.SubElement(tree, "error")
    ET.SubElement(element, "code").text = str(error.status)
    ET.SubElement(element, "description").text = error.description
    return _xml_response(tree, error.status)


def _xml_response(tree: ET.Element, status: int) -> HttpResponse:
    # ElementTree escapes text and attributes; the declaration names the encoding, as required.
    body = ET.tostring(tree, encoding="utf-8", xml_declaration=True)
    return HttpResponse(body, content_type="text/xml; charset=utf-8", status=status)


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value


def _xml_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --- parsing ------------------------------------------------------------------------------------


def _language(request: HttpRequest) -> str:
    """`locale` (uk, pl_PL, en-GB, ...; in the query or, for a POST, the form) when it names a
    language of ours, else Accept-Language."""
    raw = request.GET.get("locale") or (
        request.POST.get("locale") if request.method == "POST" else ""
    )
    locale = (raw or "").strip().replace("_", "-").lower()[:10]
    if locale:
        try:
            return translation.get_supported_language_variant(locale)
        except LookupError:
            pass
    return translation.get_language_from_request(request, check_path=False)


def _list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _moment(params: Any, name: str) -> dt.datetime | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError:
        message = _("%(name)s must be an ISO 8601 date and time.") % {"name": name}
        raise Open311Error(400, message) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def _coordinate(data: Any, name: str, limit: int) -> Decimal | None:
    raw = data.get(name, "").strip()
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or abs(value) > limit:
        raise Open311Error(400, _("%(name)s is not a valid coordinate.") % {"name": name})
    return value.quantize(Decimal("0.000001"))


def _iso(moment: dt.datetime, office: Office) -> str:
    return moment.astimezone(office.zone).isoformat(timespec="seconds")
