"""The Inspektorat's workspace under /audit/."""

from django.urls import path

from audit import flag_views, trail_views

app_name = "audit"

urlpatterns: list = [
    # The trail and the evidence pack (audittrail).
    path("", trail_views.trail, name="trail"),
    path("situs/<str:code>/bukti.zip", trail_views.evidence_zip, name="evidence"),
    path("tanda/", flag_views.flag_list, name="flags"),
    path("tanda/<int:pk>/", flag_views.flag_detail, name="flag"),
]
