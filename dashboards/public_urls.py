"""The Walikota's annual report, public, under /laporan-walikota/."""

from django.urls import path

from dashboards import public

app_name = "public_report"

urlpatterns = [
    path("", public.report_index, name="index"),
    path("<int:year>.pdf", public.report_pdf, name="pdf"),
]
