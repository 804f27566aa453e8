"""okno manage export_catalog: write the whole catalogue as JSON, XLSX or a ZIP of CSV files."""

import sys
from typing import Any

from django.core.management.base import BaseCommand

from okno.catalog.exchange import export_catalog
from okno.catalog.tables import FORMATS, write_document


class Command(BaseCommand):
    help = "Export the catalogue (see docs/catalog-format.md) to standard output or a file."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--format", choices=sorted(FORMATS), default="json")
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        data = write_document(export_catalog(), options["format"])
        if options["output"]:
            with open(options["output"], "wb") as handle:
                handle.write(data)
            self.stderr.write(f"Wrote {options['output']} ({len(data):,} bytes).")
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
