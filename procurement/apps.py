from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = "Pengadaan material"

    def ready(self):
        from bangkit.models import Role, register_area_label, register_audit_actions
        from procurement.selectors import supplier_of
        from procurement.services import AUDIT_ACTIONS

        register_audit_actions(AUDIT_ACTIONS)

        # A toko account is labelled by the shop it speaks for.
        register_area_label(Role.TOKO, lambda user: f"Toko {supplier_of(user) or ''}".strip())
