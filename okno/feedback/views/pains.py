"""Feedback pages: pains (being built)."""

from __future__ import annotations

urlpatterns: list = []
