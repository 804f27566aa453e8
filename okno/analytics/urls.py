"""Analytics addresses, mounted under each language prefix."""

from okno.analytics.views import dashboard

app_name = "analytics"

urlpatterns = [*dashboard.urlpatterns]
