"""Case addresses, mounted under each language prefix."""

from okno.cases.views import backoffice, intake, status

app_name = "cases"

urlpatterns = [
    *status.urlpatterns,
    *intake.urlpatterns,
    *backoffice.urlpatterns,
]
