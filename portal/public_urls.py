"""Public pages that need no sign-in: tracking a proposal, supporting an entry."""

from django.urls import path

from portal import public_views

app_name = "public"

urlpatterns = [
    path("lacak/", public_views.track, name="track"),
    # A direct link for a receipt or a QR code; the code is normalised like the form's.
    path("lacak/<str:code>/", public_views.track, name="track_detail"),
    path("dukung/", public_views.support_list, name="support_list"),
    path("dukung/<int:pk>/", public_views.support, name="support"),
]
