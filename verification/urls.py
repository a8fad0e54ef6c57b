"""Signed-in screens of verification: prioritisation and decrees."""

from django.urls import include, path

app_name = "verification"

urlpatterns = [
    path("prioritas/", include("verification.priority.urls")),
    path("sk/", include("verification.decrees.urls")),
]
