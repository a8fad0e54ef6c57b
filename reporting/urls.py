"""Signed-in execution and reporting screens, under /laporan/."""

from django.urls import path

from reporting import views

app_name = "reporting"

urlpatterns = [
    path("", views.index, name="sites"),
    path("penghematan/", views.savings_view, name="savings"),
    path("lokasi/<int:pk>/", views.site, name="site"),
    path("lokasi/<int:pk>/hari-kerja/", views.work_day_add, name="work_day_add"),
    path("lokasi/<int:pk>/swadaya/", views.contribution_add, name="contribution_add"),
    path("lokasi/<int:pk>/foto/", views.photo_upload, name="photo_upload"),
    path("lokasi/<int:pk>/laporan/", views.report_edit, name="report"),
    path("lokasi/<int:pk>/laporan/ajukan/", views.report_submit, name="report_submit"),
    path("lokasi/<int:pk>/periksa/", views.review, name="review"),
    path("lokasi/<int:pk>/ketahui/", views.countersign, name="countersign"),
    path("lokasi/<int:pk>/lpj.pdf", views.lpj, name="lpj"),
    path("hari-kerja/<int:pk>/ubah/", views.work_day_edit, name="work_day_edit"),
    path("hari-kerja/<int:pk>/hapus/", views.work_day_remove, name="work_day_remove"),
    path("hari-kerja/<int:pk>/daftar-hadir/", views.attendance_file, name="attendance"),
    path("swadaya/<int:pk>/hapus/", views.contribution_remove, name="contribution_remove"),
    path("foto/<int:pk>/tarik/", views.photo_withdraw, name="photo_withdraw"),
    path("foto/<int:pk>/tampil.jpg", views.photo_display, name="photo_display"),
    path("foto/<int:pk>/kecil.jpg", views.photo_thumbnail, name="photo_thumbnail"),
    path("foto/<int:pk>/asli/", views.photo_original, name="photo_original"),
]
