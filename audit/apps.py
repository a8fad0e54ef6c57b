from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The Inspektorat's workspace: the trail of every change and the red flags (issue 14)."""

    name = "audit"
    verbose_name = "Audit"

    def ready(self):
        from audit import tasks

        tasks.connect_signals()
