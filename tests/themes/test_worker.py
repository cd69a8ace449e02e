"""Tagging through a real Celery worker on Redis and PostgreSQL."""

import pytest
from django.core.management import call_command
from django.db import transaction

from feedback.models import Comment
from insight_hub.themes.models import TagDecision, TagStatus, Theme
from insight_hub.themes.services import tag_decide, tagging_queue
from tests.conftest import wait_for
from tests.themes.conftest import make_comment

pytestmark = pytest.mark.worker
LABEL = "feedback.comment"


def tagged(comment_id):
    return Comment.objects.filter(pk=comment_id, tag_status=TagStatus.TAGGED).first()


def test_a_saved_comment_is_tagged_by_the_worker_with_evidence(celery_worker, world):
    with transaction.atomic():
        comment = make_comment(
            world.service_a,
            "The wait to be seen was far too long. The nurses were kind and caring.",
            "nonspecific",
        )
        tagging_queue(label=LABEL, ids=[comment.pk])
    comment = wait_for(lambda: tagged(comment.pk), message="the worker to tag the comment")
    tags = list(comment.tags.select_related("theme"))
    assert tags and all(t.evidence_end > t.evidence_start for t in tags)
    assert "Timeliness of care" in {t.theme.name for t in tags}


def test_a_confirmed_tag_survives_retag_all(celery_worker, world):
    with transaction.atomic():
        comment = make_comment(
            world.service_a, "Parking was a nightmare and cost a fortune.", "could_improve"
        )
        tagging_queue(label=LABEL, ids=[comment.pk])
    comment = wait_for(lambda: tagged(comment.pk), message="first tagging")
    parking = Theme.objects.get(name="Parking")
    tag_decide(user=world.px_a, label=LABEL, item=comment, theme=parking, action="add")
    first_tagged_at = comment.tagged_at
    call_command("retag", "--all")
    wait_for(lambda: Comment.objects.get(pk=comment.pk).tagged_at != first_tagged_at, message="the re-tag")
    assert comment.tags.get(theme=parking).decision == TagDecision.CONFIRMED
