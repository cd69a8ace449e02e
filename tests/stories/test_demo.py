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


def test_every_demo_story_has_its_words_and_what_it_is_meant_to_be():
    from stories.demo_data import NARRATIVES

    assert set(NARRATIVES) == {story.title for story in DEMO_STORIES}
    assert {story.polarity for story in DEMO_STORIES} == {"praise", "critical"}
    for story in DEMO_STORIES:
        # Told as real stories are: more than a line, paragraphs kept, no markup left from the file.
        assert len(story.narrative) >= 150 and "##" not in story.narrative and "<!--" not in story.narrative
        assert "\n\n\n" not in story.narrative and story.narrative == story.narrative.strip()
    assert any("\n\n" in story.narrative for story in DEMO_STORIES)
    # Safety concerns are flagged on critical stories only.
    assert all(story.polarity == "critical" for story in DEMO_STORIES if story.concern)
