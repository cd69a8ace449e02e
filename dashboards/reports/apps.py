from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Board reports: a period's numbers, themes, stories, commitments and actions, exported as PDF, XLSX and
    CSV with a balance guard on the stories quoted. Lives inside the dashboards package (it reads their
    roll-ups) but is its own app, label "reports", with its own tables."""

    name = "dashboards.reports"
    label = "reports"
    verbose_name = "Board reports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from dashboards.owners import PROVIDERS
        from insight_hub.inbox import register as register_inbox

        from .inbox import reports_inbox
        from .owners import register_entries

        register_inbox(reports_inbox)
        if register_entries not in PROVIDERS:
            PROVIDERS.append(register_entries)
