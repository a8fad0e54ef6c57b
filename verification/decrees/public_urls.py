"""The public check of a decree's authenticity: /sk/<public id>/ and its stored PDF."""

from django.urls import path

from verification.decrees import views as decree_views

app_name = "sk"

urlpatterns = [
    path("<str:public_id>/", decree_views.public_decree, name="public"),
    path("<str:public_id>/unduh/", decree_views.public_decree_pdf, name="public_pdf"),
]
