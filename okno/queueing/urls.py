"""Live-queue addresses, mounted under each language prefix."""

from okno.queueing.views import board, desk, kiosk, monitor, ticket

app_name = "queueing"

urlpatterns = [
    *kiosk.urlpatterns,
    *ticket.urlpatterns,
    *board.urlpatterns,
    *desk.urlpatterns,
    *monitor.urlpatterns,
]
