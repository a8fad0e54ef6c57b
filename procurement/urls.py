"""Signed-in procurement screens, under /pengadaan/."""

from django.urls import path

from procurement import views

app_name = "procurement"

urlpatterns = [
    path("", views.index, name="index"),
    path("pesanan/", views.order_list, name="orders"),
    path("harga-acuan/", views.reference_prices, name="reference_prices"),
    path("usulan/<int:pk>/", views.proposal_detail, name="proposal"),
    path("usulan/<int:pk>/pesan/", views.order_create, name="order_create"),
    path("usulan/<int:pk>/bast/", views.handover, name="handover"),
    path("pesanan/<int:pk>/", views.order_detail, name="order"),
    path("pesanan/<int:pk>/ubah/", views.order_edit, name="order_edit"),
    path("pesanan/<int:pk>/terbitkan/", views.order_issue, name="order_issue"),
    path("pesanan/<int:pk>/batalkan/", views.order_cancel, name="order_cancel"),
    path("pesanan/<int:pk>/konfirmasi/", views.order_confirm, name="order_confirm"),
    path("pesanan/<int:pk>/surat-pesanan.pdf", views.order_pdf_view, name="order_pdf"),
    path("pesanan/<int:pk>/penerimaan/", views.delivery_create, name="delivery_create"),
    path("pesanan/<int:pk>/pembayaran/", views.payment_create, name="payment_create"),
    path("penerimaan/<int:pk>/foto/", views.delivery_photo, name="delivery_photo"),
    path("penerimaan/<int:pk>/konfirmasi/", views.delivery_confirm, name="delivery_confirm"),
    path("bast/<int:pk>/konfirmasi/", views.handover_confirm, name="handover_confirm"),
    path("bast/<int:pk>/bast.pdf", views.handover_pdf, name="handover_pdf"),
]
