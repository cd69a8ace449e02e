from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"
    label = "feedback"

    def ready(self):
        from insight_hub.themes.registry import Taggable, register

        from .models import Comment, CommentTag
        from .selectors import comment_display_text
        from .services import comments_redact

        # The tagger reads `redacted_text`; the worker makes it for each batch just before tagging. A
        # comment's sentiment also reads its response's FFT answer (none for the 2013–2020 question's).
        register(
            Taggable(
                model=Comment,
                tag_model=CommentTag,
                item_field="comment",
                organisation_path="organisation",
                prepare=comments_redact,
                display_text=comment_display_text,
                # For the complex comments queue's "many themes" (feedback.complex).
                tag_count_field="theme_count",
                rating_path="response__fft_score",
                # When the person answered (the comment's copy of its response's `responded_at`, so no join):
                # what people mean by "when it was said"; an import keeps each response's own date.
                given_on_path="responded_at",
            )
        )

        from insight_hub.inbox import register as register_inbox

        from .inbox import feedback_inbox

        register_inbox(feedback_inbox)

        from insight_hub.privacy.subjects import register as register_subjects

        from .rights import provider

        register_subjects(provider)
        from insight_hub.operations.checks import register as register_check

        from .operations import last_import

        register_check(last_import)

        from insight_hub.search.registry import register as register_search

        from .search import COMMENT_SOURCE

        register_search(COMMENT_SOURCE)
