from django.apps import AppConfig


class ChartersConfig(AppConfig):
    name = "charters"
    label = "charters"
    verbose_name = "Patient charters"

    def ready(self):
        from dashboards.owners import PROVIDERS

        from .owners import charter_entries

        if charter_entries not in PROVIDERS:
            PROVIDERS.append(charter_entries)
