"""The resident's usulan on the public site: the form, its receipt, the e-mail confirmation."""

from django.urls import path

from portal import usul_views

app_name = "usul"

urlpatterns = [
    path("", usul_views.usul_form, name="form"),
    path("tanda-terima/<str:code>/", usul_views.usul_receipt, name="receipt"),
    path("konfirmasi/<str:token>/", usul_views.usul_confirm, name="confirm"),
]
