"""Reading and writing catalogue documents as files: JSON, XLSX (one sheet per table), ZIP of CSV.

The spreadsheet layout is described in docs/catalog-format.md: one table per sheet (or per CSV
file), translated values as one column per language, nested objects flattened with "_", lists of
keys separated by commas, and child rows naming their parent. Reading is forgiving in the ways
spreadsheets are (numbers as floats, booleans as words, dates as cells or text); a problem with
the file itself raises UnreadableFile naming the sheet, row and column. Text a spreadsheet would
take for a formula is written behind a single quote (CSV) or as marked text (XLSX), and read back
as it was.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import posixpath
import re
import warnings
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO, Any, NamedTuple

import openpyxl
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from okno.catalog.exchange import FORMAT, VERSION, Problem


class FileFormat(NamedTuple):
    content_type: str
    extension: str


FORMATS = {
    "json": FileFormat("application/json", "json"),
    "xlsx": FileFormat("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "csv": FileFormat("application/zip", "zip"),
}

#: A workbook or archive may not unpack to more than this (a guard against "zip bombs").
MAX_UNPACKED_BYTES = 200 * 1024 * 1024


class UnreadableFile(ValueError):
    """The file is not a catalogue document okno can read; the message says why."""


class SheetDocument(dict[str, Any]):
    """A document read from sheets; `rows` maps each record ("services[3]") to (sheet, row)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows: dict[str, tuple[str, int]] = {}


# --- the layout ---------------------------------------------------------------------------

TEXT, INT, DECIMAL, BOOL, DATE, TIME, TRANSLATED, KEYS = (
    "text",
    "int",
    "decimal",
    "bool",
    "date",
    "time",
    "translated",
    "keys",
)


@dataclass(frozen=True)
class Column:
    field: str  # the place in a record, nested with dots: "fee.amount"
    kind: str = TEXT
    required: bool = False  # the sheet must have this column

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(self.field.split("."))

    @property
    def header(self) -> str:
        return self.field.replace(".", "_")


@dataclass(frozen=True)
class Table:
    name: str  # the sheet, the CSV file and the key in the document (or in the parent record)
    columns: tuple[Column, ...]
    parent: str | None = None  # child tables: the parent table ...
    parent_column: str = ""  # ... and the column naming the parent row

    @property
    def key(self) -> str:
        """The natural key of a top-level table: its first column."""
        return self.columns[0].field

    def headers(self) -> list[str]:
        names = [self.parent_column] if self.parent else []
        for column in self.columns:
            if column.kind == TRANSLATED:
                names += [f"{column.header}_{code}" for code in _languages()]
            else:
                names.append(column.header)
        return names


TABLES: tuple[Table, ...] = (
    Table(
        "offices",
        (
            Column("slug", required=True),
            Column("name", TRANSLATED, required=True),
            Column("kind"),
            Column("address", TRANSLATED),
            Column("country", required=True),
            Column("subdivision"),
            Column("time_zone"),
            Column("default_language"),
            Column("accessibility", TRANSLATED),
            Column("phone"),
            Column("email"),
            Column("website"),
            Column("latitude", DECIMAL),
            Column("longitude", DECIMAL),
            Column("is_active", BOOL),
        ),
    ),
    Table(
        "opening_hours",
        (
            Column("weekday", INT, required=True),
            Column("opens", TIME, required=True),
            Column("closes", TIME, required=True),
        ),
        parent="offices",
        parent_column="office",
    ),
    Table(
        "exceptions",
        (
            Column("date", DATE, required=True),
            Column("kind", required=True),
            Column("opens", TIME),
            Column("closes", TIME),
            Column("note", TRANSLATED),
        ),
        parent="offices",
        parent_column="office",
    ),
    Table(
        "service_points",
        (
            Column("number", INT, required=True),
            Column("label"),
            Column("floor"),
            Column("is_active", BOOL),
        ),
        parent="offices",
        parent_column="office",
    ),
    Table(
        "groups",
        (
            Column("prefix", required=True),
            Column("name", TRANSLATED, required=True),
            Column("order", INT),
        ),
    ),
    Table(
        "services",
        (
            Column("code", required=True),
            Column("slug", required=True),
            Column("group", required=True),
            Column("name", TRANSLATED, required=True),
            Column("summary", TRANSLATED),
            Column("keywords", TRANSLATED),
            Column("fee.free", BOOL),
            Column("fee.amount", DECIMAL),
            Column("fee.currency"),
            Column("fee.legal_basis", TRANSLATED),
            Column("term.value", INT, required=True),
            Column("term.unit", required=True),
            Column("result", TRANSLATED),
            Column("result_delivery", TRANSLATED),
            Column("refusal_grounds", TRANSLATED),
            Column("legal_basis", TRANSLATED),
            Column("provider", TRANSLATED),
            Column("responsible_official"),
            Column("channels.in_person", BOOL),
            Column("channels.online", BOOL),
            Column("channels.online_url"),
            Column("channels.by_post", BOOL),
            Column("channels.bookable", BOOL),
            Column("handling_minutes", INT),
            Column("max_wait_minutes", INT),
            Column("offices", KEYS),
            Column("is_active", BOOL),
            Column("version", INT),
            Column("last_reviewed", DATE),
        ),
    ),
    Table(
        "documents",
        (
            Column("name", TRANSLATED, required=True),
            Column("form"),
            Column("mandatory", BOOL),
            Column("obtained_by"),
            Column("note", TRANSLATED),
        ),
        parent="services",
        parent_column="service",
    ),
    Table(
        "life_situations",
        (
            Column("slug", required=True),
            Column("name", TRANSLATED, required=True),
            Column("description", TRANSLATED),
            Column("order", INT),
            Column("is_active", BOOL),
        ),
    ),
    Table(
        "steps",
        (Column("service", required=True), Column("note", TRANSLATED)),
        parent="life_situations",
        parent_column="situation",
    ),
)
TABLES_BY_NAME = {table.name: table for table in TABLES}

# Text starting with one of these is a formula to a spreadsheet program ("CSV injection"): on
# export it goes behind a single quote, as OWASP advises, and reading takes the quote off again.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_QUOTE = "'"

# Words spreadsheets (and localised Excel) use for yes and no.
_TRUE = {"true", "t", "1", "yes", "y", "tak", "так", "да", "иә", "prawda", "істина", "истина"}
_FALSE = {"false", "f", "0", "no", "n", "nie", "ні", "нет", "жоқ", "fałsz", "хибність", "ложь"}


# --- public functions -----------------------------------------------------------------------


def read_document(handle: IO[bytes], filename: str) -> dict[str, Any]:
    """Read a .json, .xlsx or .zip (of CSV files) into a document for `import_catalog`."""
    data = handle.read()
    name = filename.lower()
    if name.endswith(".json"):
        return _read_json(data, filename)
    if name.endswith((".xlsx", ".xlsm")):
        return _build(_xlsx_tables(data, filename), filename)
    if name.endswith(".zip"):
        return _build(_csv_tables(data, filename), filename)
    raise UnreadableFile(
        _(
            "%(file)s: okno reads .json, .xlsx and .zip (of CSV files) files. Save the catalogue in one of these formats and try again."
        )
        % {"file": filename}
    )


def write_document(document: Mapping[str, Any], file_format: str) -> bytes:
    """The document as the bytes of a file in `file_format` (a key of FORMATS)."""
    if file_format == "json":
        return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    if file_format == "xlsx":
        return _write_xlsx(_rows_by_table(document))
    if file_format == "csv":
        return _write_csv_zip(_rows_by_table(document))
    raise ValueError(f"unknown format {file_format}")


def sheet_location(location: str, document: Mapping[str, Any]) -> str:
    """Where an importer's location ("services[12].fee.amount") is in the file the document came
    from ("services, row 14, fee_amount"); unchanged for documents that were not sheets."""
    rows: dict[str, tuple[str, int]] | None = getattr(document, "rows", None)
    if not rows or not location:
        return location
    found: tuple[str, int] | None = None
    rest: list[tuple[str, str]] = []
    prefix = ""
    tokens = _LOCATION_TOKEN.findall(location)
    for position, (name, index) in enumerate(tokens):
        prefix += f"[{index}]" if index else (f".{name}" if prefix else name)
        if prefix in rows:
            found, rest = rows[prefix], tokens[position + 1 :]
    if found is None:
        return location
    sheet, row = found
    field = "_".join(name for name, _index in rest if name)
    if not field:
        return _("%(sheet)s, row %(row)d") % {"sheet": sheet, "row": row}
    return _("%(sheet)s, row %(row)d, %(column)s") % {
        "sheet": sheet,
        "row": row,
        "column": _column_label(TABLES_BY_NAME[sheet], field),
    }


def locate(problems: Iterable[Problem], document: Mapping[str, Any]) -> list[Problem]:
    """The importer's problems with their locations in the file's own terms."""
    return [Problem(sheet_location(p.location, document), p.message) for p in problems]


# --- reading: files to tables ----------------------------------------------------------------

_LOCATION_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
RawTables = dict[str, list[list[Any]]]


def _read_json(data: bytes, filename: str) -> dict[str, Any]:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise UnreadableFile(
            _(
                "%(file)s is not valid JSON (%(error)s). Export a file from okno to see the expected shape."
            )
            % {"file": filename, "error": error}
        ) from None
    if not isinstance(document, dict):
        raise UnreadableFile(
            _(
                "%(file)s is JSON but not a catalogue: a catalogue file is one JSON object with “format”: “okno-catalog”. Export a file from okno to see the expected shape."
            )
            % {"file": filename}
        )
    return document


def _xlsx_tables(data: bytes, filename: str) -> RawTables:
    not_a_workbook = UnreadableFile(
        _(
            "%(file)s is not an Excel workbook okno can open. Save it as an Excel workbook (.xlsx) and try again."
        )
        % {"file": filename}
    )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise not_a_workbook from None
    _check_unpacked_size(archive, filename)
    tables: RawTables = {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it skips
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                for sheet in workbook.worksheets:
                    name = sheet.title.strip().lower()
                    if name not in TABLES_BY_NAME:
                        continue  # other sheets (notes, pivot tables) are the centre's own
                    if name in tables:
                        raise _duplicate_table(name)
                    sheet.reset_dimensions()  # some programs write wrong sheet dimensions
                    tables[name] = [list(row) for row in sheet.iter_rows(values_only=True)]
            finally:
                workbook.close()
    except UnreadableFile:
        raise
    except Exception:
        # A damaged or foreign file can fail anywhere inside openpyxl, with any exception.
        raise not_a_workbook from None
    return tables


def _csv_tables(data: bytes, filename: str) -> RawTables:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise UnreadableFile(
            _(
                "%(file)s is not a ZIP archive. Put the CSV files (offices.csv, services.csv, ...) in a .zip file and try again."
            )
            % {"file": filename}
        ) from None
    _check_unpacked_size(archive, filename)
    tables: RawTables = {}
    for info in archive.infolist():
        parts = info.filename.split("/")
        base = parts[-1]
        stem, extension = posixpath.splitext(base)
        name = stem.strip().lower()
        if (
            info.is_dir()
            or "__MACOSX" in parts
            or base.startswith(".")
            or extension.lower() != ".csv"
            or name not in TABLES_BY_NAME
        ):
            continue
        if name in tables:
            raise _duplicate_table(name)
        try:
            content = archive.read(info)
        except Exception:
            # Encrypted, damaged or unusually compressed members fail in several ways.
            raise UnreadableFile(
                _(
                    "%(file)s: %(member)s cannot be unpacked. Make a new .zip file of the CSV files and try again."
                )
                % {"file": filename, "member": info.filename}
            ) from None
        tables[name] = _parse_csv(content, base)
    return tables


def _parse_csv(content: bytes, name: str) -> list[list[Any]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile(
            _("%(file)s is not UTF-8 text. Save it as “CSV UTF-8 (comma delimited)” and try again.")
            % {"file": name}
        ) from None
    first_line = text.split("\n", 1)[0]
    # Excel saves with ";" where the decimal separator is a comma (uk, ru, pl, kk).
    delimiter = max([",", ";", "\t"], key=first_line.count)
    rows: list[list[Any]] = []
    try:
        rows.extend(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise UnreadableFile(
            _("%(file)s, row %(row)d: %(error)s. Check the quotes in this row.")
            % {"file": name, "row": len(rows) + 1, "error": error}
        ) from None
    return rows


def _check_unpacked_size(archive: zipfile.ZipFile, filename: str) -> None:
    if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
        raise UnreadableFile(
            _("%(file)s unpacks to more than %(limit)s. Split the catalogue into smaller files.")
            % {"file": filename, "limit": filesizeformat(MAX_UNPACKED_BYTES)}
        )


def _duplicate_table(name: str) -> UnreadableFile:
    return UnreadableFile(
        _("The file holds the %(sheet)s table twice. Keep one sheet (or CSV file) named %(sheet)s.")
        % {"sheet": name}
    )


# --- reading: tables to a document ------------------------------------------------------------


def _build(raw: RawTables, filename: str) -> SheetDocument:
    raw = {name: _trimmed(rows) for name, rows in raw.items()}
    raw = {name: rows for name, rows in raw.items() if rows}  # an empty sheet is not there
    if not raw:
        raise UnreadableFile(
            _(
                "%(file)s has none of the catalogue tables (%(tables)s). Export a file from okno to see the sheets and columns it expects."
            )
            % {"file": filename, "tables": ", ".join(TABLES_BY_NAME)}
        )
    document = SheetDocument(format=FORMAT, version=VERSION)
    keys: dict[str, dict[str, int]] = {}  # table -> natural key -> index of its record
    for table in TABLES:  # parents come before their children
        if table.name not in raw:
            continue
        if table.parent is None:
            keys[table.name] = _add_records(document, table, raw[table.name])
        elif table.parent in raw:
            _add_children(document, table, raw[table.name], keys[table.parent])
        else:
            raise UnreadableFile(
                _(
                    "There is a %(sheet)s sheet but no %(parent)s sheet: rows in %(sheet)s belong to rows in %(parent)s. Add the %(parent)s sheet, or remove the %(sheet)s sheet."
                )
                % {"sheet": table.name, "parent": table.parent}
            )
    return document


def _add_records(document: SheetDocument, table: Table, rows: list[list[Any]]) -> dict[str, int]:
    """Put a top-level table into the document; return the index of each record by its key."""
    records: list[dict[str, Any]] = []
    document[table.name] = records
    index: dict[str, int] = {}
    rows_by_key: dict[str, int] = {}
    for row, record, _parent in _records(table, rows):
        key = record.get(table.key)
        if isinstance(key, str):
            if key in index:
                raise UnreadableFile(
                    _(
                        "Sheet %(sheet)s, rows %(first)d and %(second)d: both have %(key)s “%(value)s”. Each %(key)s may appear once; delete or correct one of the rows."
                    )
                    % {
                        "sheet": table.name,
                        "first": rows_by_key[key],
                        "second": row,
                        "key": table.key,
                        "value": key,
                    }
                )
            index[key], rows_by_key[key] = len(records), row
        document.rows[f"{table.name}[{len(records)}]"] = (table.name, row)
        records.append(record)
    return index


def _add_children(
    document: SheetDocument, table: Table, rows: list[list[Any]], parents: dict[str, int]
) -> None:
    """Put each row of a child table under its parent record, in the order of the file."""
    assert table.parent is not None
    records = document[table.parent]
    for parent in records:
        parent[table.name] = []  # the sheet is there, so a parent without rows has none
    for row, record, parent_key in _records(table, rows):
        index = _parent_of(table, row, parent_key, parents)
        children = records[index][table.name]
        document.rows[f"{table.parent}[{index}].{table.name}[{len(children)}]"] = (table.name, row)
        children.append(record)


def _trimmed(rows: list[list[Any]]) -> list[list[Any]]:
    """The table without the empty rows at its end (spreadsheets often carry some)."""
    end = len(rows)
    while end and all(_blank(cell) for cell in rows[end - 1]):
        end -= 1
    return rows[:end]


def _records(
    table: Table, rows: list[list[Any]]
) -> Iterable[tuple[int, dict[str, Any], str | None]]:
    """(row number, record, parent key) for each non-empty row; row 1 is the header."""
    columns = _match_header(table, rows[0])
    for number, cells in enumerate(rows[1:], start=2):
        if all(_blank(cell) for cell in cells):
            continue
        record: dict[str, Any] = {}
        parent_key: str | None = None
        for position, header, column, language in columns:
            cell = _unescaped(cells[position]) if position < len(cells) else None
            if column is None:
                parent_key = _text(cell)
                continue
            if column.kind == TRANSLATED:
                value: Any = _text(cell)
                path = (*column.path, language)
            else:
                value = _convert(column.kind, cell, table.name, number, header)
                path = column.path
            if value is not None:
                _place(record, path, value)
        yield number, record, parent_key


def _match_header(table: Table, header: list[Any]) -> list[tuple[int, str, Column | None, str]]:
    """(position, header, column, language) for each column; None stands for the parent column."""
    expected: dict[str, tuple[Column | None, str]] = {}
    if table.parent:
        expected[table.parent_column] = (None, "")
    for column in table.columns:
        if column.kind == TRANSLATED:
            for code in _languages():
                expected[f"{column.header}_{code}"] = (column, code)
        else:
            expected[column.header] = (column, "")
    matched: list[tuple[int, str, Column | None, str]] = []
    seen: dict[str, int] = {}
    for position, cell in enumerate(header):
        name = (_text(cell) or "").lower()
        if not name:
            continue
        if name not in expected:
            raise UnreadableFile(
                _(
                    "Sheet %(sheet)s, column %(letter)s: okno does not know the column “%(name)s”. Correct its name or delete the column (export a file to see the columns)."
                )
                % {"sheet": table.name, "letter": get_column_letter(position + 1), "name": name}
            )
        if name in seen:
            raise UnreadableFile(
                _(
                    "Sheet %(sheet)s has two columns named %(name)s (%(first)s and %(second)s). Keep one."
                )
                % {
                    "sheet": table.name,
                    "name": name,
                    "first": get_column_letter(seen[name] + 1),
                    "second": get_column_letter(position + 1),
                }
            )
        seen[name] = position
        matched.append((position, name, *expected[name]))
    if table.parent and table.parent_column not in seen:
        raise _missing_column(table, table.parent_column)
    for column in table.columns:
        if not column.required:
            continue
        if column.kind != TRANSLATED:
            if column.header not in seen:
                raise _missing_column(table, column.header)
            continue
        names = [f"{column.header}_{code}" for code in _languages()]
        if not any(name in seen for name in names):
            raise UnreadableFile(
                _(
                    "Sheet %(sheet)s has no %(name)s column for any language (%(columns)s). Add at least one of them to the first row."
                )
                % {"sheet": table.name, "name": column.header, "columns": ", ".join(names)}
            )
    return matched


def _missing_column(table: Table, name: str) -> UnreadableFile:
    return UnreadableFile(
        _(
            "Sheet %(sheet)s has no %(name)s column. Add it to the first row (export a file to see the columns)."
        )
        % {"sheet": table.name, "name": name}
    )


def _parent_of(table: Table, row: int, key: str | None, known: dict[str, int]) -> int:
    assert table.parent is not None
    parent_key = TABLES_BY_NAME[table.parent].key
    values = {
        "sheet": table.name,
        "row": row,
        "column": table.parent_column,
        "parent": table.parent,
        "key": parent_key,
        "value": key,
    }
    if not key:
        raise UnreadableFile(
            _(
                "Sheet %(sheet)s, row %(row)d, column %(column)s: the cell is empty. Write the %(key)s of a row in the %(parent)s sheet."
            )
            % values
        )
    if key not in known:
        raise UnreadableFile(
            _(
                "Sheet %(sheet)s, row %(row)d, column %(column)s: there is no row with %(key)s “%(value)s” in the %(parent)s sheet. Correct it, or add that row to the %(parent)s sheet."
            )
            % values
        )
    return known[key]


def _place(record: dict[str, Any], path: Iterable[str], value: Any) -> None:
    *parents, last = path
    for name in parents:
        record = record.setdefault(name, {})
    record[last] = value


# --- reading: cells ---------------------------------------------------------------------------


def _unescaped(cell: Any) -> Any:
    """The cell without the quote an export put before text a spreadsheet would take for a
    formula (or before text that itself starts with such a quote)."""
    if (
        isinstance(cell, str)
        and cell.startswith(_QUOTE)
        and cell[1:2] in (*_FORMULA_STARTS, _QUOTE)
    ):
        return cell[1:]
    return cell


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _convert(kind: str, cell: Any, sheet: str, row: int, column: str) -> Any:
    """A cell as the value the importer expects; None means "not given". Values that cannot be
    read are passed on as text, so the importer reports them with their place."""
    if kind == KEYS:
        keys = re.split(r"[,;\n]", _text(cell) or "")
        return [key.strip() for key in keys if key.strip()]
    if _blank(cell):
        return None
    if kind == BOOL:
        return _boolean(cell, sheet, row, column)
    if kind == INT:
        return _integer(cell)
    if kind == DECIMAL:
        return _decimal(cell)
    if kind == DATE:
        return _date(cell)
    if kind == TIME:
        return _time(cell)
    return _text(cell)


def _text(cell: Any) -> str | None:
    if _blank(cell):
        return None
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # a code or a number typed into a text column
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat() if cell.time() == dt.time() else cell.isoformat()
    if isinstance(cell, dt.date | dt.time):
        return cell.isoformat()
    return str(cell).strip()


def _boolean(cell: Any, sheet: str, row: int, column: str) -> bool:
    if isinstance(cell, bool):
        return cell
    if isinstance(cell, int | float) and cell in (0, 1):
        return bool(cell)
    word = str(cell).strip().casefold()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise UnreadableFile(
        _(
            "Sheet %(sheet)s, row %(row)d, column %(column)s: “%(value)s” is not yes or no. Write TRUE or FALSE, or leave the cell empty for the default."
        )
        % {"sheet": sheet, "row": row, "column": column, "value": cell}
    )


def _integer(cell: Any) -> Any:
    if isinstance(cell, float) and cell.is_integer():
        return int(cell)
    if isinstance(cell, str) and re.fullmatch(r"\s*[+-]?\d+([.,]0+)?\s*", cell):
        return int(re.split(r"[.,]", cell.strip())[0])
    return cell


def _decimal(cell: Any) -> Any:
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return str(cell)
    text = str(cell).strip().replace("\u00a0", "").replace(" ", "")
    if re.fullmatch(r"[+-]?\d*,\d+", text):
        text = text.replace(",", ".")  # a decimal comma
    try:
        Decimal(text)
    except InvalidOperation:
        return str(cell).strip()
    return text


def _date(cell: Any) -> Any:
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        if 0 < cell < 2958466:  # an Excel serial number, up to 9999-12-31
            return (dt.datetime(1899, 12, 30) + dt.timedelta(days=cell)).date()
        return str(cell)
    text = str(cell).strip()
    dotted = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
    if dotted:
        day, month, year = (int(part) for part in dotted.groups())
        try:
            return dt.date(year, month, day)
        except ValueError:
            return text
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[ T]00:00(:00)?", text):
        return text[:10]
    return text


def _time(cell: Any) -> Any:
    if isinstance(cell, dt.datetime):
        return cell.time()
    if isinstance(cell, dt.time):
        return cell
    if isinstance(cell, int | float) and not isinstance(cell, bool) and 0 <= cell < 1:
        seconds = min(round(cell * 24 * 60 * 60), 24 * 60 * 60 - 1)  # a fraction of a day
        return dt.time(seconds // 3600, seconds // 60 % 60, seconds % 60)
    text = str(cell).strip()
    short = re.fullmatch(r"(\d{1,2})[:.](\d{2})(?::(\d{2}))?", text)
    if short:
        hour, minute, second = short.groups()
        return f"{int(hour):02d}:{minute}:{second or '00'}"
    return text


# --- writing ----------------------------------------------------------------------------------


def _rows_by_table(document: Mapping[str, Any]) -> dict[str, list[list[Any]]]:
    """Each table's header and rows, values typed for a spreadsheet."""
    tables: dict[str, list[list[Any]]] = {}
    for table in TABLES:
        rows: list[list[Any]] = [table.headers()]
        if table.parent is None:
            for record in document.get(table.name) or []:
                rows.append(_row(table, record))
        else:
            parent_key = TABLES_BY_NAME[table.parent].key
            for parent in document.get(table.parent) or []:
                for record in parent.get(table.name) or []:
                    rows.append([parent.get(parent_key), *_row(table, record)])
        tables[table.name] = rows
    return tables


def _row(table: Table, record: Mapping[str, Any]) -> list[Any]:
    cells: list[Any] = []
    for column in table.columns:
        value: Any = record
        for name in column.path:
            value = value.get(name) if isinstance(value, Mapping) else None
        if column.kind == TRANSLATED:
            cells += [(value or {}).get(code) for code in _languages()]
        elif column.kind == KEYS:
            cells.append(", ".join(value or []))
        else:
            cells.append(_typed(column.kind, value))
    return cells


def _typed(kind: str, value: Any) -> Any:
    if value is None or not isinstance(value, str):
        return value
    try:
        if kind == DECIMAL:
            return Decimal(value)
        if kind == DATE:
            return dt.date.fromisoformat(value)
        if kind == TIME:
            return dt.time.fromisoformat(value)
    except (InvalidOperation, ValueError):
        pass
    return value


def _write_xlsx(tables: dict[str, list[list[Any]]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in tables.items():
        sheet = workbook.create_sheet(name)
        for row_number, values in enumerate(rows, start=1):
            for column_number, value in enumerate(values, start=1):
                cell = sheet.cell(row=row_number, column=column_number)
                if isinstance(value, str):
                    text = ILLEGAL_CHARACTERS_RE.sub("", value)
                    # A text cell, never a formula; one that looks like a formula also gets the
                    # spreadsheet's own leading quote (quotePrefix), so that it stays text when
                    # someone edits it, without showing a quote. Only text that starts like our
                    # escape needs the quote written out.
                    cell.value = _QUOTE + text if _unescaped(text) != text else text
                    cell.data_type = "s"
                    cell.quotePrefix = text.startswith(_FORMULA_STARTS)
                else:
                    cell.value = value
                    if isinstance(value, dt.time):
                        cell.number_format = "hh:mm"
                    elif isinstance(value, dt.date):
                        cell.number_format = "yyyy-mm-dd"
        for column_number, header in enumerate(rows[0], start=1):
            sheet.cell(row=1, column=column_number).font = Font(bold=True)
            sheet.column_dimensions[get_column_letter(column_number)].width = max(
                12, len(header) + 2
            )
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_csv_zip(tables: dict[str, list[list[Any]]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, rows in tables.items():
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerows([_csv_cell(value) for value in row] for row in rows)
            # The byte-order mark tells Excel the file is UTF-8, so Cyrillic shows correctly.
            archive.writestr(f"{name}.csv", text.getvalue().encode("utf-8-sig"))
    return buffer.getvalue()


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S" if value.second else "%H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return _escaped(value)
    return str(value)  # numbers, negative ones included, are numbers to a spreadsheet too


def _escaped(text: str) -> str:
    """Text as a CSV cell no spreadsheet runs as a formula; `_unescaped` gives it back."""
    if text.startswith(_FORMULA_STARTS) or _unescaped(text) != text:
        return _QUOTE + text
    return text


# --- helpers ----------------------------------------------------------------------------------


def _languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _column_label(table: Table, field: str) -> str:
    """The column (or columns) of `table` holding `field`: "fee_amount", "name_uk … name_en"."""
    headers = table.headers()
    if field in headers:
        return field
    matches = [header for header in headers if header.startswith(field + "_")]
    if not matches:
        return field
    return ", ".join(matches) if len(matches) <= 2 else f"{matches[0]} … {matches[-1]}"
