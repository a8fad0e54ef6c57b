from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "verification"
    verbose_name = "Verifikasi dan SK Camat"

    def ready(self):
        from bangkit.models import register_audit_actions
        from verification.decrees import services as decrees
        from verification.priority import services as priority

        register_audit_actions(priority.AUDIT_ACTIONS)
        register_audit_actions(decrees.AUDIT_ACTIONS)
