"""Signed-in proposal screens for the Ketua RT, kelurahan and kecamatan."""

from django.urls import path

from proposals import views

# The namespace "proposals" is given by the root URLconf, which adds the dossier page
# (portal) at "<code>/" after these.
urlpatterns = [
    path("", views.proposal_list, name="list"),
    path("musrenbang/", views.musrenbang_list, name="musrenbang"),
    path("musrenbang/<int:pk>/buat/", views.proposal_create, name="create"),
    path("tanda-terima/<int:pk>/", views.receipt, name="receipt"),
    path("tanda-terima/<int:pk>/qr.svg", views.receipt_qr, name="receipt_qr"),
    path("<str:code>/ubah/", views.proposal_edit, name="edit"),
    path("<str:code>/tindakan/", views.proposal_action, name="action"),
    path("<str:code>/lampiran/", views.attachment_upload, name="attachment_upload"),
    path("<str:code>/lampiran/<int:pk>/", views.attachment_file, name="attachment"),
    path(
        "<str:code>/lampiran/<int:pk>/tampil.jpg",
        views.attachment_display,
        name="attachment_display",
    ),
    path(
        "<str:code>/lampiran/<int:pk>/kecil.jpg",
        views.attachment_thumbnail,
        name="attachment_thumbnail",
    ),
    path("<str:code>/lampiran/<int:pk>/hapus/", views.attachment_delete, name="attachment_delete"),
]
