from django.apps import AppConfig


class BudgetsConfig(AppConfig):
    name = "budgets"
    verbose_name = "Pagu anggaran"

    def ready(self):
        from bangkit.models import register_audit_actions
        from budgets.services import AUDIT_ACTIONS

        register_audit_actions(AUDIT_ACTIONS)
