from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = "Pengadaan material"

    def ready(self):
        from bangkit.models import Role, register_area_label
        from budgets.figures import register_figures_extension
        from procurement.selectors import envelope_procurement_figures, supplier_of

        # Envelope figures gain ordered, delivered and paid, summed from the purchases.
        register_figures_extension(envelope_procurement_figures)
        # A toko account is labelled by the shop it speaks for.
        register_area_label(Role.TOKO, lambda user: f"Toko {supplier_of(user) or ''}".strip())
