"""Staff pages for bookings: the day's bookings, booking for a caller, cancelling with a reason."""

from __future__ import annotations

urlpatterns: list = []
