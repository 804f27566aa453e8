"""Portal addresses, mounted under each language prefix (/uk/, /ru/, /pl/, /kk/, /en/)."""

from django.urls import path

from okno.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("services/", views.service_list, name="services"),
    path("services/<slug:slug>/", views.service_detail, name="service"),
    path("situations/", views.situation_list, name="situations"),
    path("situations/<slug:slug>/", views.situation_detail, name="situation"),
    path("offices/", views.office_list, name="offices"),
    path("offices/<slug:slug>/", views.office_detail, name="office"),
]
