"""The dashboards under /dasbor/."""

from django.urls import path, re_path

from dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.index, name="index"),
    path("rincian/", views.record_list, name="records"),
    re_path(r"^unduh/(?P<key>[a-z_]+)\.(?P<fmt>csv|xlsx)$", views.download, name="download"),
    path("laporan-walikota/", views.annual_report, name="report"),
    path("laporan-walikota/<int:year>.pdf", views.annual_report_pdf, name="report_pdf"),
]
