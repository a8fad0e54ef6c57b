"""Signed-in proposal screens for the Ketua RT, kelurahan and kecamatan."""

from django.urls import path

from proposals import usulan_views, views

# The namespace "proposals" is given by the root URLconf, which adds the dossier page
# (portal) at "<code>/" after these.
urlpatterns = [
    path("", views.proposal_list, name="list"),
    path("musrenbang/", views.musrenbang_list, name="musrenbang"),
    path("musrenbang/<int:pk>/buat/", views.proposal_create, name="create"),
    path("tanda-terima/<int:pk>/", views.receipt, name="receipt"),
    # e-Planning: residents' usulan for the kelurahan, the RT's list and meeting, carry-over.
    path("warga/", usulan_views.usulan_queue, name="usulan_queue"),
    path("warga/<str:code>/", usulan_views.usulan_detail, name="usulan_detail"),
    path("warga/<str:code>/putuskan/", usulan_views.usulan_decide, name="usulan_decide"),
    path("warga/<str:code>/foto.jpg", usulan_views.usulan_photo, name="usulan_photo"),
    path("warga/<str:code>/kecil.jpg", usulan_views.usulan_thumbnail, name="usulan_thumbnail"),
    path("daftar-rt/", usulan_views.rt_list_page, name="rt_list"),
    path("daftar-rt/<int:pk>/urutan/", usulan_views.rt_list_move, name="rt_list_move"),
    path("daftar-rt/rapat/", usulan_views.rt_meeting, name="rt_meeting"),
    path(
        "daftar-rt/rapat/<int:pk>/notulen/",
        usulan_views.rt_meeting_minutes,
        name="rt_meeting_minutes",
    ),
    path("bawa-ke-tahun-berikut/", usulan_views.carry_over_page, name="carry_over"),
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
