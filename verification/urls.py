"""Signed-in screens of verification: prioritisation, envelopes and decrees."""

from django.urls import include, path

app_name = "verification"

urlpatterns = [
    path("prioritas/", include("verification.priority_urls")),
    path("sk/", include("verification.decree_urls")),
]
