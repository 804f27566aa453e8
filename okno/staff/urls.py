"""Staff addresses, under each language prefix."""

from django.contrib.auth import views as auth_views
from django.urls import path

from okno.staff import views

app_name = "staff"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("offices/<slug:slug>/", views.office, name="office"),
]
