"""okno manage import_catalog FILE: load a catalogue (JSON, XLSX or a ZIP of CSV files)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from okno.catalog.exchange import import_catalog
from okno.catalog.tables import UnreadableFile, locate, read_document


class Command(BaseCommand):
    help = "Import a catalogue file (see docs/catalog-format.md). All or nothing."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="check everything, change nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        try:
            with path.open("rb") as handle:
                document = read_document(handle, path.name)
        except UnreadableFile as error:
            raise CommandError(str(error)) from error

        def progress(kind: str, done: int, total: int) -> None:
            self.stdout.write(f"  {kind}: {done}/{total}", ending="\r" if done < total else "\n")

        report = import_catalog(document, dry_run=options["dry_run"], progress=progress)
        if not report.ok:
            # Spreadsheet problems are named by sheet, row and column rather than document path.
            for problem in locate(report.problems[:50], document):
                self.stderr.write(f"  {problem}")
            more = len(report.problems) - 50
            if more > 0:
                self.stderr.write(f"  ... and {more} more")
            raise CommandError(
                f"{len(report.problems)} problem(s) found; nothing was imported. "
                "Fix the rows above and run the import again."
            )
        self.stdout.write(report.summary())
        if options["dry_run"]:
            self.stdout.write(
                self.style.SUCCESS("Dry run: the file is valid; nothing was changed.")
            )
        else:
            self.stdout.write(self.style.SUCCESS("Import finished."))
