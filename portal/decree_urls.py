"""The public check of a decree's authenticity: /sk/<public id>/ and its stored PDF."""

from django.urls import path

from portal import public_views

app_name = "sk"

urlpatterns = [
    path("<str:public_id>/", public_views.public_decree, name="public"),
    path("<str:public_id>/unduh/", public_views.public_decree_pdf, name="public_pdf"),
]
