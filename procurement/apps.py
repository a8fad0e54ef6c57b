from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = "Pengadaan material"

    def ready(self):
        from budgets.figures import register_figures_extension
        from procurement.selectors import envelope_procurement_figures

        # Envelope figures gain ordered, delivered and paid, summed from the purchases.
        register_figures_extension(envelope_procurement_figures)
