"""Running a benchmark on a throwaway PostgreSQL database: the set-up the PostgreSQL ones share."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable

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
