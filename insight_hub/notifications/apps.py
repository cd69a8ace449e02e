from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "insight_hub.notifications"
    label = "notifications"
    verbose_name = "Email"
    default_auto_field = "django.db.models.BigAutoField"
