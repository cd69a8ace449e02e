from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "insight_hub.organisations"
    label = "organisations"
    verbose_name = "Organisations and people"
