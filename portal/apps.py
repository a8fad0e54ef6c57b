from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self):
        # Stage changes are mailed after commit: the receiver listens to proposals from above.
        from portal import notifications, public_cache, usul_notifications

        notifications.connect_signals()
        # The public pages kept for visitors are renewed when a site's records change.
        public_cache.connect_signals()
        usul_notifications.connect_signals()
