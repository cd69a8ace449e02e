"""The demo stories load on the demo ICS, with the stroke pathway, and loading twice changes nothing."""

from __future__ import annotations

import pytest

from insight_hub.organisations.demo import demo_organisations_load
from stories.demo import DEMO_STORIES, demo_stories_load
from stories.models import Pathway, Purpose, Story, StoryStatus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tagging_recorded")]


def test_demo_stories_load_once_with_a_stroke_pathway_across_three_organisations():
    demo_organisations_load()
    assert demo_stories_load().startswith(f"{len(DEMO_STORIES)} stories created")
    assert demo_stories_load().startswith("0 stories created")
    assert Story.objects.count() == len(DEMO_STORIES) >= 30
    stroke = Pathway.objects.get(name="Stroke")
    assert [s.organisation.ods_code for s in stroke.stages.all()] == ["RYD", "RVV", "RVV", "RYY", "RYY"]
    assert Story.objects.filter(stages__pathway=stroke, status=StoryStatus.SHARED).exists()
    assert Story.objects.filter(status=StoryStatus.WITHDRAWN, consent_withdrawn_on__isnull=False).exists()
    assert Story.objects.exclude(safety_concern="").count() >= 3
    assert Story.objects.usable_for(Purpose.PUBLICATION).exists()
