from django.apps import AppConfig

AUDIT_ACTIONS = {
    "envelope_set": "Pagu ditetapkan",
    "envelope_share_remove": "Bagian pagu kelurahan dihapus",
}


class BudgetsConfig(AppConfig):
    name = "budgets"
    verbose_name = "Pagu anggaran"

    def ready(self):
        from bangkit.models import register_audit_actions

        register_audit_actions(AUDIT_ACTIONS)
