"""Any table a dashboard shows, as a CSV or XLSX download with the same columns and figures.

Pages build a `Table` once and both draw it and offer it for download, so the file holds what
the reader saw. Text a spreadsheet would take for a formula goes behind a single quote (OWASP's
advice against CSV injection; names of services and employees are typed by people).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import openpyxl
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: How each KPI unit is written in a spreadsheet cell (shares as per cent of the cell value).
_NUMBER_FORMATS = {
    "share": "0.0%",
    "minutes": "0.0",
    "index": "0",
    "score": "0.00",
    "count": "0",
    "rate": "0.0",
    "days": "0.0",
}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    #: A KPI unit ("share", "minutes", ...) for numbers; "" for text.
    unit: str = ""


@dataclass(frozen=True)
class Table:
    """A titled table: `rows` hold raw values (shares 0–1, minutes, text), one per column."""

    slug: str
    title: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[Any]] = field(default_factory=list)


def breakdown_table(
    slug: str,
    title: str,
    first: Column,
    rows: Sequence[Mapping[str, Any]],
    first_key: str,
    *,
    extra: Sequence[Column] = (),
) -> Table:
    """A breakdown (by service, channel, week, month) as a table: the row's name in `first`
    (read from `first_key`), then the figures of `kpis.breakdown`, then any `extra` columns."""
    columns = [first, *breakdown_columns(), *extra]
    return Table(
        slug,
        title,
        columns,
        [[_plain(row[first_key]), *(row[c.key] for c in columns[1:])] for row in rows],
    )


def breakdown_columns() -> list[Column]:
    return [
        Column("visits", _("Visits"), "count"),
        Column("ratings", _("Ratings"), "count"),
        Column("satisfaction", _("Satisfied visitors"), "share"),
        Column("wait_mean", _("Mean wait"), "minutes"),
        Column("wait_within_norm", _("Waits within the norm"), "share"),
    ]


def table_response(table: Table, fmt: str, *, filename: str) -> HttpResponse:
    """The table as a download named `<filename>-<table slug>.<fmt>`."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    body = to_csv(table) if fmt == "csv" else to_xlsx([table])
    response = HttpResponse(body, content_type=FORMATS[fmt])
    name = f"{slugify(filename)}-{table.slug}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def download_response(
    request: HttpRequest, tables: Sequence[Table], *, filename: str
) -> HttpResponse | None:
    """The table asked for by `?download=<slug>&format=csv|xlsx`; None when none is asked for,
    a 400 that says what can be asked for when the slug or the format is unknown."""
    slug = request.GET.get("download")
    if not slug:
        return None
    fmt = request.GET.get("format", "csv")
    chosen = next((table for table in tables if table.slug == slug), None)
    if chosen is None or fmt not in FORMATS:
        message = _("There is no such table to download. Tables: %(tables)s; formats: %(formats)s.")
        return HttpResponseBadRequest(
            message % {"tables": ", ".join(t.slug for t in tables), "formats": ", ".join(FORMATS)},
            content_type="text/plain; charset=utf-8",
        )
    return table_response(chosen, fmt, filename=filename)


def page_query(request: HttpRequest) -> str:
    """The page's own query string without a download, for download links that keep its filters."""
    query = request.GET.copy()
    for name in ("download", "format"):
        query.pop(name, None)
    return query.urlencode()


def to_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark, so that spreadsheet programs read Cyrillic correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_safe(str(column.label)) for column in table.columns])
    for row in table.rows:
        writer.writerow([_csv_value(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(tables: Sequence[Table]) -> bytes:
    """One sheet per table: a bold header row, numbers as numbers with the unit's format."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(_sheet_title(str(table.title)))
        sheet.append([_cell_text(str(column.label)) for column in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([_xlsx_value(value) for value in row])
        for index, column in enumerate(table.columns, start=1):
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = max(12, min(50, len(str(column.label)) + 2))
            if column.unit in _NUMBER_FORMATS:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = _NUMBER_FORMATS[column.unit]
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _plain(value: Any) -> Any:
    """Dates and numbers as they are; anything else (lazy translations) as text."""
    return value if value is None or isinstance(value, int | float | dt.date) else str(value)


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(round(value, 6))
    if isinstance(value, int | dt.date):
        return value
    return _safe(str(value))


def _xlsx_value(value: Any) -> Any:
    if value is None or isinstance(value, int | float | dt.date):
        return value
    return _cell_text(str(value))


def _safe(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _cell_text(text: str) -> str:
    return _safe(ILLEGAL_CHARACTERS_RE.sub("", text))


def _sheet_title(title: str) -> str:
    cleaned = "".join(ch for ch in title if ch not in "[]:*?/\\")
    return cleaned[:31] or "Sheet"
