"""Public pages that need no sign-in: tracking a proposal, supporting an entry."""

from django.urls import path

from proposals import public_views

app_name = "public"

urlpatterns = [
    path("lacak/", public_views.track, name="track"),
]
