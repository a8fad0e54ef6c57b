"""Bappeda's envelope screen, under /verifikasi/prioritas/pagu/ where users know it."""

from django.urls import path

from budgets import views

app_name = "budgets"

urlpatterns = [
    path("", views.envelopes, name="envelopes"),
    path("<int:pk>/hapus/", views.envelope_remove, name="envelope_remove"),
    path(
        "tahun/<int:year>/<str:action>/",
        views.fiscal_year_status,
        name="fiscal_year_status",
    ),
]
