"""The Inspektorat's workspace under /audit/."""

from django.urls import path

from audit import flag_views

app_name = "audit"

urlpatterns: list = [
    path("tanda/", flag_views.flag_list, name="flags"),
    path("tanda/<int:pk>/", flag_views.flag_detail, name="flag"),
]
