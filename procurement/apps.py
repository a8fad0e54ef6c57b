from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = "Pengadaan material"

    def ready(self):
        from bangkit.models import Role, register_area_label
        from procurement.selectors import supplier_of

        # A toko account is labelled by the shop it speaks for.
        register_area_label(Role.TOKO, lambda user: f"Toko {supplier_of(user) or ''}".strip())
