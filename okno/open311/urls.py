"""Open311 GeoReport v2 addresses, mounted at /open311/v2/ outside the language prefixes."""

from django.urls import re_path

from okno.open311 import views

app_name = "open311"

urlpatterns = [
    re_path(r"^services\.(?P<fmt>json|xml)$", views.service_list, name="services"),
    re_path(r"^requests\.(?P<fmt>json|xml)$", views.request_list, name="requests"),
    re_path(
        r"^requests/(?P<code>[A-Za-z0-9]{1,12})\.(?P<fmt>json|xml)$",
        views.request_detail,
        name="request",
    ),
]
