"""The staff's notices: /pemberitahuan/ (namespace "notices")."""

from django.urls import path

from portal import notice_views

app_name = "notices"

urlpatterns = [
    path("", notice_views.notice_list, name="list"),
    path("dibaca/", notice_views.notice_read, name="read"),
]
