from django.apps import AppConfig


class ThemesConfig(AppConfig):
    name = "insight_hub.themes"
    label = "themes"
    verbose_name = "Themes and tagging"
