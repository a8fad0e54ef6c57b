"""Routes of the decree screens, under /verifikasi/sk/ (namespace "verification")."""

from django.urls import path

from verification.decrees import views as decree_views

urlpatterns = [
    path("", decree_views.decree_list, name="decree_list"),
    path("baru/", decree_views.decree_create, name="decree_create"),
    path("<str:public_id>/", decree_views.decree_detail, name="decree_detail"),
    path("<str:public_id>/ubah/", decree_views.decree_edit, name="decree_edit"),
    path("<str:public_id>/pratinjau/", decree_views.decree_preview, name="decree_preview"),
    path("<str:public_id>/tetapkan/", decree_views.decree_issue, name="decree_issue"),
    path("<str:public_id>/unduh/", decree_views.decree_pdf, name="decree_pdf"),
    path("<str:public_id>/perubahan/", decree_views.decree_amend, name="decree_amend"),
    path("<str:public_id>/hapus/", decree_views.decree_delete, name="decree_delete"),
    path(
        "<str:public_id>/lokasi/<int:proposal_id>/ubah/",
        decree_views.site_amend,
        name="decree_site_amend",
    ),
]
