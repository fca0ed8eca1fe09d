from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from integrations.django_project import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("me/", views.me),
    path("campaigns/", views.campaigns),
    path("campaigns/start/", views.start_all),
    path("campaigns/<int:scope_id>/start/", views.start),
    path("campaigns/<str:scope_id>/pause/", views.pause),
    path("campaigns/<int:scope_id>/report/", views.Report.as_view()),
]
