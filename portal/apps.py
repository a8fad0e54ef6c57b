from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self):
        # Stage changes are mailed after commit: the receiver listens to proposals from above.
        from portal import usul_notifications
        from portal.notifications import connect_signals

        connect_signals()
        usul_notifications.connect_signals()
