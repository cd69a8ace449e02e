from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "dashboards"
    label = "dashboards"
    verbose_name = "Dashboards and board reports"

    def ready(self):
        from insight_hub.inbox import register as register_inbox

        from .inbox import dashboards_inbox

        register_inbox(dashboards_inbox)

        from insight_hub.privacy.subjects import register_after_change

        from .rights import rollups_after_change

        register_after_change(rollups_after_change)

        from django.db.models.signals import pre_save

        from stories.models import Story

        from .rollups import story_moving

        pre_save.connect(story_moving, sender=Story, dispatch_uid="dashboards.rollups.story_moving")
