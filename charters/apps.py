from django.apps import AppConfig


class ChartersConfig(AppConfig):
    name = "charters"
    label = "charters"
    verbose_name = "Patient charters"

    def ready(self):
        from dashboards.owners import PROVIDERS
        from dashboards.reports.sections import register_commitments

        from .owners import charter_entries
        from .selectors import charter_progress

        if charter_entries not in PROVIDERS:
            PROVIDERS.append(charter_entries)
        # The board report's commitments section: dashboards never import charters, so charters register it.
        register_commitments(charter_progress)

        from insight_hub.inbox import register as register_inbox

        from .inbox import charters_inbox

        register_inbox(charters_inbox)
