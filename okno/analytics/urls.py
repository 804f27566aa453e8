"""Analytics addresses, mounted under each language prefix."""

from okno.analytics import views

app_name = "analytics"

urlpatterns = [*views.urlpatterns]
