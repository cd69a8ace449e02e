from django.apps import AppConfig


class StoriesConfig(AppConfig):
    name = "stories"
    label = "stories"
    verbose_name = "Patient stories"

    def ready(self) -> None:
        from insight_hub.themes.registry import Taggable, register

        from .models import Purpose, Story, StoryTag
        from .redaction import stories_redact_new
        from .selectors import stories_visible_to
        from .services import story_after_tag

        register(
            Taggable(
                model=Story,
                tag_model=StoryTag,
                item_field="story",
                organisation_path="organisation",
                after_tag=story_after_tag,
                # An import's stories are redacted on the worker, a chunk at a time, before tagging.
                prepare=stories_redact_new,
                # Stories are long: tasks of 50 keep every worker process busy to the end of an import.
                chunk=50,
                # Outside the logging trust, only stories shared with the ICS exist: review them likewise.
                visible_to=stories_visible_to,
                # Emerging themes are shown across the ICS: only stories shared for internal learning.
                shared=lambda stories: stories.usable_for(Purpose.INTERNAL_LEARNING),
                # When it happened, as the story list, dashboards and reports date a story. A story keeps no
                # date it was told apart from `logged_at` (when the hub saved it, like `text_changed_at`);
                # Care Opinion's stories carry their month of submission here: the nearest to when it was
                # said.
                given_on_path="occurred_on",
            )
        )

        from insight_hub.inbox import register as register_inbox

        from .inbox import stories_inbox

        register_inbox(stories_inbox)

        from insight_hub.operations.checks import register as register_check

        from .care_opinion.operations import care_opinion_syncs

        register_check(care_opinion_syncs)

        from insight_hub.privacy.subjects import register as register_subjects

        from .rights import provider

        register_subjects(provider)

        from insight_hub.search.registry import register as register_search

        from .search import STORY_SOURCE

        register_search(STORY_SOURCE)
