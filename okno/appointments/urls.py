"""Booking addresses, mounted under each language prefix."""

from okno.appointments.views import booking, staff

app_name = "appointments"

urlpatterns = [
    *booking.urlpatterns,
    *staff.urlpatterns,
]
