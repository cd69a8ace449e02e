"""The beat task's sync run by a real Celery worker on Redis and PostgreSQL, against the local Care Opinion:
the stories it brings in are tagged by the same worker, through the normal path."""

import pytest

from insight_hub.themes.models import TagStatus
from stories.care_opinion.models import CareOpinionRun, RunStatus
from stories.models import Story
from stories.tasks import sync_care_opinion
from tests.conftest import wait_for

pytestmark = pytest.mark.worker


@pytest.fixture
def worker_sees_care_opinion(care_opinion, monkeypatch):
    """The worker is another process: it reads the local Care Opinion's address from its environment."""
    monkeypatch.setenv("CARE_OPINION_API_URL", care_opinion.url)
    monkeypatch.setenv("CARE_OPINION_API_KEY", care_opinion.key)
    return care_opinion


def test_the_beat_task_on_a_real_worker_brings_stories_in_and_they_are_tagged(
    worker_sees_care_opinion, celery_worker, world
):
    sync_care_opinion.delay()
    run = wait_for(
        lambda: CareOpinionRun.objects.exclude(status=RunStatus.RUNNING).first(),
        timeout=90,
        message="the worker to finish the sync",
    )
    assert (run.status, run.created, run.outside) == (RunStatus.SUCCEEDED, 6, 1), run.message
    wait_for(
        lambda: Story.objects.filter(tag_status=TagStatus.TAGGED).count() == 6,
        timeout=120,
        message="the worker to tag the synced stories",
    )
    assert not Story.objects.exclude(tag_status=TagStatus.TAGGED).exists()
