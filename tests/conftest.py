"""Shared test set-up: compiled translations, and a clean search index for every test."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    from okno.core.i18n import compile_catalogues

    compile_catalogues()


@pytest.fixture(autouse=True)
def _fresh_search_index():
    """The in-process search index is rebuilt from each test's own data."""
    from okno.catalog import search

    search._current = None
    yield
    search._current = None
