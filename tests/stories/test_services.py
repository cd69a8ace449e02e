"""Story services: redaction at every save, consent rules, withdrawal, safety responses, actions, pathways."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from insight_hub.organisations.models import Role
from stories import pathway_services, selectors, services
from stories.models import ConsentEvent, FlagSource, Purpose, SafetyConcern, Story, StoryStatus
from tests.factories import (
    MembershipFactory,
    PathwayFactory,
    PathwayStageFactory,
    ServiceFactory,
    StoryFactory,
)

from .conftest import NARRATIVE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tagging_recorded")]

TODAY = datetime.date.today


def create(world, **overrides):
    values = {
        "user": world.px_a,
        "organisation": world.trust_a,
        "title": "Waiting in A&E",
        "narrative": NARRATIVE,
        "teller": "carer",
        "occurred_on": timezone.localdate().replace(day=1),
        "occurred_precision": "month",
        "source_channel": "pals",
        "services": [world.service_a],
    } | overrides
    return services.story_create(**values)


def update_values(story, **overrides):
    return {
        "title": story.title,
        "narrative": story.narrative,
        "teller": story.teller,
        "occurred_on": story.occurred_on,
        "occurred_precision": story.occurred_precision,
        "source_channel": story.source_channel,
        "services": list(story.services.all()),
        "stages": [],
    } | overrides


# Create and edit


def test_it_creates_a_draft_logged_by_the_person(world):
    story = create(world)
    assert story.status == StoryStatus.DRAFT
    assert story.logged_by == world.px_a and story.logged_at is not None
    assert list(story.services.all()) == [world.service_a]


def test_it_redacts_the_title_and_narrative_at_save(world):
    story = create(world, title="Complaint from John Smith")
    assert "John Smith" not in story.redacted_narrative and "John Smith" not in story.redacted_title
    assert "943 476 5919" not in story.redacted_narrative and "[NHS number]" in story.redacted_narrative
    assert "07700 900123" not in story.redacted_narrative
    assert story.narrative == NARRATIVE  # the original is kept for the organisation that logged it
    assert {span["kind"] for span in story.narrative_spans} >= {"person", "nhs_number", "phone"}
    assert story.redaction_version


def test_taggable_text_is_the_redacted_title_and_narrative(world):
    story = create(world)
    assert story.taggable_text() == f"{story.redacted_title}\n\n{story.redacted_narrative}"
    assert "John Smith" not in story.taggable_text()


def test_each_save_queues_tagging_with_the_story_label_and_id(world, tagging_recorded):
    story = create(world)
    services.story_update(story=story, **update_values(story, narrative="A different story."))
    assert tagging_recorded == [("stories.story", [story.pk]), ("stories.story", [story.pk])]


def test_changed_text_resets_tagging_and_unchanged_text_does_not(world):
    story = create(world)
    Story.objects.filter(pk=story.pk).update(tag_status="tagged")
    story.refresh_from_db()
    services.story_update(story=story, **update_values(story, teller="patient"))
    assert story.tag_status == "tagged"
    services.story_update(story=story, **update_values(story, narrative="New words."))
    assert story.tag_status == "untagged" and story.text_changed_at is not None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"narrative": ""}, "narrative"),
        ({"narrative": "   "}, "narrative"),
        ({"narrative": "x" * 20_001}, "narrative"),
        ({"title": ""}, "title"),
        ({"teller": "neighbour"}, "teller"),
        ({"source_channel": "pigeon"}, "source_channel"),
        ({"occurred_on": timezone.localdate() + datetime.timedelta(days=1)}, "occurred_on"),
    ],
)
def test_it_refuses_bad_input_naming_the_field(world, overrides, field):
    with pytest.raises(ValidationError) as error:
        create(world, **overrides)
    assert field in error.value.message_dict
    assert not Story.objects.exists()


def test_it_refuses_a_service_of_another_organisation(world):
    with pytest.raises(ValidationError) as error:
        create(world, services=[world.service_b])
    assert "services" in error.value.message_dict


def test_it_refuses_a_pathway_stage_of_another_ics(world):
    other_stage = PathwayStageFactory(pathway=PathwayFactory(ics=_another_ics()))
    with pytest.raises(ValidationError) as error:
        create(world, stages=[other_stage])
    assert "stages" in error.value.message_dict


def _another_ics():
    from insight_hub.organisations.models import ICS
    from tests.factories import OrganisationFactory

    return ICS.objects.create(name="Elsewhere ICS", icb=OrganisationFactory(kind="icb", ods_code="QZZ"))


def test_html_is_stored_as_typed_and_never_interpreted(world):
    story = create(world, narrative="<script>alert(1)</script> was in the letter")
    assert story.narrative.startswith("<script>")


# Redaction corrections


def test_removing_a_wrong_redaction_shows_the_phrase_everywhere(world, draft):
    index = next(i for i, s in enumerate(draft.narrative_spans) if s["kind"] == "person")
    phrase = services.redaction_span_remove(story=draft, user=world.px_a, field="narrative", index=index)
    assert phrase == "John Smith"
    assert "John Smith" in draft.redacted_narrative and "John Smith" in draft.redacted_title
    assert draft.redaction_reviewed_by == world.px_a


def test_adding_a_missed_phrase_hides_it_wherever_it_appears(world, draft):
    found = services.redaction_phrase_add(story=draft, user=world.px_a, phrase="the wait", kind="person")
    assert found == 1
    assert "the wait" not in draft.redacted_narrative.lower()


def test_adding_a_phrase_that_is_not_there_is_refused(world, draft):
    with pytest.raises(ValidationError) as error:
        services.redaction_phrase_add(story=draft, user=world.px_a, phrase="Mrs Nobody", kind="person")
    assert "phrase" in error.value.message_dict


def test_corrections_survive_an_edit_and_stale_ones_are_listed(world, draft):
    services.redaction_phrase_add(story=draft, user=world.px_a, phrase="nurses", kind="staff_title")
    index = next(i for i, s in enumerate(draft.narrative_spans) if s["kind"] == "person")
    services.redaction_span_remove(story=draft, user=world.px_a, field="narrative", index=index)
    services.story_update(
        story=draft, **update_values(draft, narrative=draft.narrative + " The nurses again.")
    )
    assert "nurses" not in draft.redacted_narrative and "John Smith" in draft.redacted_narrative
    services.story_update(story=draft, **update_values(draft, narrative="All rewritten.", title="New"))
    stale = selectors.redaction_corrections_not_applying(draft)
    assert {item["text"] for item in stale} == {"nurses", "John Smith"}


# Consent and status


def test_submitting_without_consent_is_refused_with_a_clear_message(world, draft):
    with pytest.raises(ValidationError) as error:
        services.story_status_set(story=draft, status="submitted")
    assert "consent" in error.value.message_dict["status"][0]
    draft.refresh_from_db()
    assert draft.status == StoryStatus.DRAFT


def test_sharing_needs_consent_for_internal_learning(world, draft):
    services.story_consent_record(
        story=draft, user=world.px_a, internal_learning=False, board_quote=False, publication=False
    )
    with pytest.raises(ValidationError):
        services.story_status_set(story=draft, status="submitted")


def test_a_draft_cannot_jump_straight_to_shared(world, draft):
    services.story_consent_record(
        story=draft, user=world.px_a, internal_learning=True, board_quote=False, publication=False
    )
    with pytest.raises(ValidationError):
        services.story_status_set(story=draft, status="shared")


def test_consent_is_recorded_with_who_and_when_and_its_history_kept(world, draft):
    services.story_consent_record(
        story=draft, user=world.px_a, internal_learning=True, board_quote=False, publication=False
    )
    services.story_consent_record(
        story=draft, user=world.px_a_colleague, internal_learning=True, board_quote=True, publication=False
    )
    assert draft.consent_recorded_by == world.px_a_colleague and draft.consent_board_quote
    events = list(draft.consent_events.order_by("at", "pk"))
    assert [e.action for e in events] == [ConsentEvent.Action.RECORDED, ConsentEvent.Action.CHANGED]
    assert [e.by for e in events] == [world.px_a, world.px_a_colleague]


def test_quote_or_publication_without_internal_learning_is_refused(world, draft):
    with pytest.raises(ValidationError) as error:
        services.story_consent_record(
            story=draft, user=world.px_a, internal_learning=False, board_quote=True, publication=False
        )
    assert "internal_learning" in error.value.message_dict


def test_taking_internal_learning_consent_away_returns_a_shared_story_to_draft(world, shared):
    services.story_consent_record(
        story=shared, user=world.px_a, internal_learning=False, board_quote=False, publication=False
    )
    assert shared.status == StoryStatus.DRAFT
    assert not selectors.stories_usable_for(purpose=Purpose.INTERNAL_LEARNING).exists()


def test_withdrawal_removes_the_story_from_every_use_at_once_and_is_audited(world, shared):
    services.story_consent_record(
        story=shared, user=world.px_a, internal_learning=True, board_quote=True, publication=True
    )
    for purpose in Purpose:
        assert shared in selectors.stories_usable_for(purpose=purpose)
    services.story_consent_withdraw(story=shared, user=world.px_a, withdrawn_on=timezone.localdate())
    for purpose in Purpose:
        assert shared not in selectors.stories_usable_for(purpose=purpose)
    assert shared.status == StoryStatus.WITHDRAWN
    event = shared.consent_events.first()
    assert event.action == ConsentEvent.Action.WITHDRAWN and event.by == world.px_a
    with pytest.raises(ValidationError):
        services.story_status_set(story=shared, status="shared")


def test_withdrawal_in_the_future_is_refused(world, shared):
    with pytest.raises(ValidationError):
        services.story_consent_withdraw(
            story=shared, user=world.px_a, withdrawn_on=timezone.localdate() + datetime.timedelta(days=2)
        )


# Safety


def test_a_flag_goes_to_the_first_px_lead_when_nobody_is_named(world, draft):
    services.story_flag(story=draft, user=world.px_a_colleague, concern=SafetyConcern.SAFEGUARDING)
    assert draft.awaiting_response and draft.safety_routed_to == world.px_a
    assert draft.safety_flag_source == FlagSource.PERSON


def test_a_flag_goes_to_the_named_safety_lead(world, draft):
    services.safety_lead_set(organisation=world.trust_a, user=world.px_a_colleague, chosen_by=world.px_a)
    services.story_flag(story=draft, user=world.px_a, concern=SafetyConcern.SAFETY)
    assert draft.safety_routed_to == world.px_a_colleague
    assert selectors.safety_lead_for(world.trust_a).chosen


def test_only_a_px_lead_of_the_organisation_can_be_its_safety_lead(world):
    with pytest.raises(ValidationError):
        services.safety_lead_set(organisation=world.trust_a, user=world.px_b, chosen_by=world.px_a)


def test_a_concern_cannot_be_closed_without_a_response(world, draft):
    services.story_flag(story=draft, user=world.px_a, concern=SafetyConcern.SAFETY)
    with pytest.raises(ValidationError) as error:
        services.story_safety_respond(story=draft, user=world.px_a, response="  ")
    assert "response" in error.value.message_dict
    assert draft.awaiting_response
    services.story_safety_respond(story=draft, user=world.px_a, response="Reviewed with the ward manager.")
    assert not draft.awaiting_response and draft.safety_responded_by == world.px_a


def test_the_tagger_flags_a_story_with_safety_signals(world, draft):
    draft.safety_signals = [{"kind": "neglect", "start": 0, "end": 4}]
    services.story_after_tag(draft)
    draft.refresh_from_db()
    assert draft.safety_concern == SafetyConcern.SAFEGUARDING
    assert draft.safety_flag_source == FlagSource.TAGGER and draft.safety_routed_to == world.px_a


def test_the_tagger_never_replaces_a_flag_a_person_set(world, draft):
    services.story_flag(story=draft, user=world.px_a, concern=SafetyConcern.SAFETY)
    services.story_safety_respond(story=draft, user=world.px_a, response="Checked.")
    draft.safety_signals = [{"kind": "harm", "start": 0, "end": 4}]
    services.story_after_tag(draft)
    draft.refresh_from_db()
    assert draft.safety_flag_source == FlagSource.PERSON and not draft.awaiting_response


def test_the_tagger_leaves_a_story_without_signals_alone(world, draft):
    draft.safety_signals = []
    services.story_after_tag(draft)
    draft.refresh_from_db()
    assert not draft.is_flagged


# You said, we did


def test_an_action_is_owned_by_someone_at_the_organisation(world, draft):
    action = services.action_create(
        story=draft, user=world.px_a, description="Water rounds hourly", owner=world.board_a, due_on=TODAY()
    )
    assert action.status == "open" and action.created_by == world.px_a
    with pytest.raises(ValidationError) as error:
        services.action_create(
            story=draft, user=world.px_a, description="Anything", owner=world.px_b, due_on=TODAY()
        )
    assert "owner" in error.value.message_dict


def test_an_action_cannot_be_done_without_an_outcome(world, draft):
    action = services.action_create(
        story=draft, user=world.px_a, description="Water rounds", owner=world.px_a, due_on=TODAY()
    )
    values = {"description": "Water rounds", "owner": world.px_a, "due_on": TODAY()}
    with pytest.raises(ValidationError) as error:
        services.action_update(action=action, status="done", outcome="", **values)
    assert "outcome" in error.value.message_dict
    services.action_update(action=action, status="done", outcome="Rounds started in May", **values)
    action.refresh_from_db()
    assert action.status == "done"


def test_the_response_to_the_teller_is_recorded_with_who_and_when(world, draft):
    services.teller_response_record(story=draft, user=world.px_a, response="We now offer water hourly.")
    assert draft.teller_response_by == world.px_a and draft.teller_response_at is not None
    with pytest.raises(ValidationError):
        services.teller_response_record(story=draft, user=world.px_a, response="")


# Pathways


def test_stages_are_added_in_order_within_the_ics(world):
    pathway = pathway_services.pathway_create(ics=world.ics, name="Stroke")
    first = pathway_services.pathway_stage_add(pathway=pathway, name="Ambulance", organisation=world.trust_b)
    second = pathway_services.pathway_stage_add(
        pathway=pathway, name="Stroke unit", organisation=world.trust_a, service=world.service_a
    )
    assert (first.order, second.order) == (1, 2)
    with pytest.raises(ValidationError):
        pathway_services.pathway_stage_add(
            pathway=pathway, name="Wrong service", organisation=world.trust_a, service=world.service_b
        )


def test_a_pathway_name_is_unique_in_its_ics(world):
    PathwayFactory(ics=world.ics, name="Stroke")
    with pytest.raises(ValidationError):
        pathway_services.pathway_create(ics=world.ics, name="Stroke")


def test_a_px_lead_membership_makes_someone_a_possible_safety_lead(world):
    newcomer = MembershipFactory(organisation=world.trust_a, role=Role.PX_LEAD).user
    assert newcomer in selectors.px_leads_of(world.trust_a)
    assert selectors.safety_lead_for(world.trust_a).user == world.px_a  # still the first


def test_factory_story_is_shareable(world):
    story = StoryFactory(
        organisation=world.trust_a,
        user=world.px_a,
        status="shared",
        services=[ServiceFactory(organisation=world.trust_a)],
    )
    assert story.status == StoryStatus.SHARED
