"""Top-level addresses: language-prefixed pages, the admin, the API and the health check."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from okno.api.urls import api
from okno.core.views import healthz
from okno.portal.views import robots

handler404 = "okno.core.views.not_found"
handler500 = "okno.core.views.server_error"

admin.site.site_header = "okno"
admin.site.site_title = "okno"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("robots.txt", robots),
    path("api/v1/", api.urls),
    path("open311/v2/", include("okno.open311.urls")),
    path("admin/", admin.site.urls),
    *i18n_patterns(
        path("staff/", include("okno.staff.urls")),
        path("", include("okno.queueing.urls")),
        path("", include("okno.appointments.urls")),
        path("", include("okno.feedback.urls")),
        path("", include("okno.cases.urls")),
        path("", include("okno.analytics.urls")),
        path("", include("okno.portal.urls")),
        prefix_default_language=True,
    ),
]
