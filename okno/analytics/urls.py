"""Analytics addresses, mounted under each language prefix."""

from okno.analytics.views import dashboard, league, people, public

app_name = "analytics"

urlpatterns = [
    *dashboard.urlpatterns,
    *league.urlpatterns,
    *people.urlpatterns,
    *public.urlpatterns,
]
