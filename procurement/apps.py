from django.apps import AppConfig

AUDIT_ACTIONS = {
    "order_create": "Draf surat pesanan dibuat",
    "order_update": "Draf surat pesanan diubah",
    "order_issue": "Surat pesanan diterbitkan",
    "order_cancel": "Surat pesanan dibatalkan",
    "order_confirm": "Pesanan dikonfirmasi toko",
    "delivery_record": "Penerimaan material dicatat",
    "delivery_confirm": "Pengiriman dikonfirmasi toko",
    "handover_record": "BAST dicatat",
    "handover_confirm": "BAST dikonfirmasi Ketua RT",
    "handover_complete": "BAST lengkap",
    "payment_record": "Pembayaran ke toko dicatat",
    "supplier_admin_edit": "Data toko diubah lewat admin",
    "reference_price_import": "Impor harga acuan",
    "rab_template_create": "Templat RAB dibuat",
    "rab_template_admin_add": "Templat RAB ditambahkan lewat admin",
    "rab_template_admin_edit": "Templat RAB diubah lewat admin",
}


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = "Pengadaan material"

    def ready(self):
        from bangkit.models import Role, register_area_label, register_audit_actions
        from procurement.selectors import supplier_of

        register_audit_actions(AUDIT_ACTIONS)

        # A toko account is labelled by the shop it speaks for.
        register_area_label(Role.TOKO, lambda user: f"Toko {supplier_of(user) or ''}".strip())
