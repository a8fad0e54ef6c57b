from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = "Dasbor"

    def ready(self):
        from dashboards import tasks

        tasks.connect_signals()
