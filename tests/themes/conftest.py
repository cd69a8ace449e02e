import uuid

import pytest
from django.utils import timezone

from feedback.models import Comment, Response
from insight_hub.themes.services import tagging_reset


def make_comment(service, text: str, question_type: str = "nonspecific") -> Comment:
    """A survey comment saved the way the feedback services save one: marked for tagging."""
    now = timezone.now()
    response = Response.objects.create(
        organisation=service.organisation,
        service=service,
        source="public_form",
        dedupe_key=f"test:{uuid.uuid4()}",
        responded_at=now,
        fft_score=2,
    )
    comment = Comment(
        response=response,
        organisation=service.organisation,
        service=service,
        question_type=question_type,
        text=text,
        responded_at=now,
    )
    tagging_reset(comment)
    comment.save()
    return comment


@pytest.fixture
def tagger():
    from insight_hub.themes.ml import load_tagger

    return load_tagger()


class PoisonTagger:
    """The real tagger, except that one text makes it raise, as a bug or a pathological input would."""

    POISON = "this text makes the tagger raise"

    def __init__(self, real):
        self.real = real
        self.version = real.version

    def tag(self, items, local_themes=None):
        if any(self.POISON in item.text for item in items):
            raise ValueError("the tagger choked")
        return self.real.tag(items, local_themes=local_themes)
