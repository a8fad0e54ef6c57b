"""Signed-in proposal screens for the Ketua RT, kelurahan and kecamatan."""

from django.urls import path

from proposals import views

app_name = "proposals"

urlpatterns = [
    path("", views.proposal_list, name="list"),
]
