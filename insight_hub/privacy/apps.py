from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "insight_hub.privacy"
    label = "privacy"
    verbose_name = "Privacy: redaction, consent and access audit"
