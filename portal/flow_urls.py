"""The Ketua RT's guided flow, under /usulan/ (namespace "flow"): one page per step."""

from django.urls import path

from portal import flow

app_name = "flow"

urlpatterns = [
    path("musrenbang/<int:pk>/mulai/", flow.start, name="start"),
    path("<str:code>/isi/", flow.resume, name="resume"),
    path("<str:code>/isi/kegiatan/", flow.kegiatan, name="kegiatan"),
    path("<str:code>/isi/lokasi/", flow.lokasi, name="lokasi"),
    path("<str:code>/isi/rab/", flow.rab, name="rab"),
    path("<str:code>/isi/rab/templat/", flow.rab_template, name="rab_template"),
    path("<str:code>/isi/dokumen/", flow.dokumen, name="dokumen"),
    path("<str:code>/isi/dokumen/<int:pk>/hapus/", flow.dokumen_remove, name="dokumen_remove"),
    path("<str:code>/isi/periksa/", flow.periksa, name="periksa"),
]
