from django.apps import AppConfig


class InsightHubConfig(AppConfig):
    name = "insight_hub"
    verbose_name = "Insight Hub"

    def ready(self) -> None:
        from . import startup  # noqa: F401 - registers the deploy check on collected static files
