from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Pelaksanaan dan laporan"

    def ready(self):
        from bangkit.models import register_audit_actions
        from reporting.services import AUDIT_ACTIONS

        register_audit_actions(AUDIT_ACTIONS)
