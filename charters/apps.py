from django.apps import AppConfig


class ChartersConfig(AppConfig):
    name = "charters"
    label = "charters"
    verbose_name = "Patient charters"
