"""Story reads: who sees which stories, the one selector for shared use, search, filters and highlighting."""

from __future__ import annotations

import pytest
from django.utils import timezone

from insight_hub.themes.models import Taxonomy, Theme
from insight_hub.themes.selectors import highlight, tag_panel
from stories import selectors, services
from stories.models import Purpose, StoryTag
from tests.factories import PathwayFactory, PathwayStageFactory, StoryFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tagging_recorded")]


def test_the_logging_organisation_sees_every_status_and_others_only_shared(world, draft, shared):
    for person in ("px_a", "px_a_colleague"):
        assert set(selectors.stories_visible_to(world.people()[person])) == {draft, shared}
    for person in ("icb_lead", "board_a", "admin"):
        assert list(selectors.stories_visible_to(world.people()[person])) == [shared]
    for person in ("px_b", "stranger"):
        assert not selectors.stories_visible_to(world.people()[person]).exists()


def test_only_the_logging_organisation_may_edit(world, shared):
    assert selectors.story_get_editable(world.px_a_colleague, pk=shared.pk) == shared
    for person in ("icb_lead", "admin", "board_a", "px_b"):
        with pytest.raises(selectors.Http404):
            selectors.story_get_editable(world.people()[person], pk=shared.pk)


def test_usable_for_needs_shared_status_and_the_purpose_consent(world, draft, shared):
    assert list(selectors.stories_usable_for(purpose=Purpose.INTERNAL_LEARNING)) == [shared]
    assert not selectors.stories_usable_for(purpose=Purpose.BOARD_QUOTE).exists()
    assert not selectors.stories_usable_for(purpose=Purpose.PUBLICATION).exists()


def test_usable_for_is_narrowed_to_a_persons_reach(world, shared):
    assert list(selectors.stories_usable_for(purpose=Purpose.INTERNAL_LEARNING, user=world.icb_lead)) == [
        shared
    ]
    assert not selectors.stories_usable_for(purpose=Purpose.INTERNAL_LEARNING, user=world.px_b).exists()


def test_search_finds_redacted_text_but_never_a_hidden_name(world, shared):
    found = selectors.story_list(world.icb_lead, selectors.StoryFilters(q="nurses"))
    assert list(found) == [shared]
    assert not selectors.story_list(world.px_a, selectors.StoryFilters(q="Smith")).exists()


def test_filters_combine(world, draft, shared):
    services.story_flag(story=draft, user=world.px_a, concern="safety")
    px = world.px_a
    assert list(selectors.story_list(px, selectors.StoryFilters(status="draft"))) == [draft]
    assert list(selectors.story_list(px, selectors.StoryFilters(safety="awaiting"))) == [draft]
    assert list(selectors.story_list(px, selectors.StoryFilters(consent="none"))) == [draft]
    assert list(selectors.story_list(px, selectors.StoryFilters(consent="internal_learning"))) == [shared]
    assert set(selectors.story_list(px, selectors.StoryFilters(organisation=world.trust_a))) == {
        draft,
        shared,
    }
    today = timezone.localdate()
    assert not selectors.story_list(
        px, selectors.StoryFilters(date_from=today.replace(year=today.year + 1))
    ).exists()


def test_filter_by_stage_service_and_theme(world, tagging_recorded):
    stage = PathwayStageFactory(pathway=PathwayFactory(ics=world.ics), organisation=world.trust_a)
    at_stage = StoryFactory(
        organisation=world.trust_a, user=world.px_a, stages=[stage], services=[world.service_a]
    )
    other = StoryFactory(organisation=world.trust_a, user=world.px_a)
    theme = Theme.objects.create(
        taxonomy=Taxonomy.objects.create(name="T", version="1"), name="Waiting", category="Access"
    )
    StoryTag.objects.create(story=other, theme=theme, evidence_start=0, evidence_end=5)
    assert list(selectors.story_list(world.px_a, selectors.StoryFilters(stage=stage))) == [at_stage]
    assert list(selectors.story_list(world.px_a, selectors.StoryFilters(service=world.service_a))) == [
        at_stage
    ]
    assert list(selectors.story_list(world.px_a, selectors.StoryFilters(theme=theme))) == [other]


def test_highlighting_escapes_everything_and_marks_the_evidence():
    html = highlight("<b>bad</b> and good", [(15, 19)])
    assert html == "&lt;b&gt;bad&lt;/b&gt; and <mark>good</mark>"


def test_narrative_highlight_uses_offsets_into_title_and_narrative(world, shared):
    theme = Theme.objects.create(
        taxonomy=Taxonomy.objects.create(name="T", version="1"), name="Kindness", category="Staff"
    )
    text = shared.taggable_text()
    start = text.index("The nurses were kind")
    StoryTag.objects.create(story=shared, theme=theme, evidence_start=start, evidence_end=start + 20)
    assert "<mark>The nurses were kind</mark>" in selectors.story_narrative_highlighted(shared)
    [shown] = tag_panel(world.px_a, "stories.story", shared)["tags"]
    assert shown.evidence == "The nurses were kind"


def test_a_journey_shows_each_stage_with_the_stories_a_person_may_see(world, tagging_recorded):
    pathway = PathwayFactory(ics=world.ics)
    first = PathwayStageFactory(pathway=pathway, order=1, organisation=world.trust_b)
    second = PathwayStageFactory(pathway=pathway, order=2, organisation=world.trust_a)
    shared_a = StoryFactory(
        organisation=world.trust_a, user=world.px_a, status="shared", stages=[first, second]
    )
    draft_a = StoryFactory(organisation=world.trust_a, user=world.px_a, stages=[second])
    assert selectors.pathway_journey(world.icb_lead, pathway) == [(first, [shared_a]), (second, [shared_a])]
    journey = dict(selectors.pathway_journey(world.px_a, pathway))
    assert set(journey[second]) == {shared_a, draft_a}


def test_pathways_are_seen_within_the_ics(world):
    pathway = PathwayFactory(ics=world.ics)
    for person in ("px_a", "px_b", "icb_lead", "board_a", "admin"):
        assert list(selectors.pathways_for(world.people()[person])) == [pathway]
    assert not selectors.pathways_for(world.stranger).exists()
