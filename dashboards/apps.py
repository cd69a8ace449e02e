from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "dashboards"
    label = "dashboards"
    verbose_name = "Dashboards and board reports"

    def ready(self):
        from insight_hub.inbox import register as register_inbox

        from .inbox import dashboards_inbox

        register_inbox(dashboards_inbox)
