"""Running a benchmark on a throwaway PostgreSQL database: the set-up the PostgreSQL ones share."""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Callable

from benchmarks._report import say
from benchmarks.portal import _prepare_database

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/test"


def on_own_database(pg_database: str, run: Callable[[], int]) -> int:
    """Run `run()` against a fresh database `pg_database` on the server DATABASE_URL names.

    Without a PostgreSQL DATABASE_URL the machine's local server is used. The data folder is a
    temporary one; the database is dropped at the end, whatever happens.
    """
    given = os.environ.get("DATABASE_URL", "")
    if not given.startswith(("postgres://", "postgresql://")):
        os.environ["DATABASE_URL"] = DEFAULT_URL
    with tempfile.TemporaryDirectory(prefix="okno-bench-") as folder:
        os.environ["OKNO_DATA_DIR"] = folder
        drop_database = _prepare_database(folder, pg_database)
        try:
            return run()
        finally:
            from django.db import connections

            connections.close_all()
            drop_database()


def add_database_option(parser: argparse.ArgumentParser, default: str) -> None:
    """`--pg-database`: the throwaway database the benchmark creates (and drops)."""
    parser.add_argument(
        "--pg-database",
        default=default,
        help="database created (and dropped) on the PostgreSQL server named by DATABASE_URL",
    )


def migrated_database() -> None:
    """Set Django up on the throwaway database and migrate it, saying so on stderr."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "okno.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    say(f"database: {connection.settings_dict['NAME']} on PostgreSQL, migrating …")
    call_command("migrate", verbosity=0)
