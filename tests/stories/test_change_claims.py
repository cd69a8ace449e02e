"""Change claims on a story's actions ("change planned" / "change made"): claimed by one px lead of the
logging trust, signed off by another, audited; nobody outside the trust reaches them (404). And the share of
critical stories with a response to the teller and with a change made and signed off."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from insight_hub.organisations.models import Membership, Role
from insight_hub.privacy.models import AuditAction, AuditEvent
from stories import selectors, services
from stories.models import ChangeClaim, StoryStatus
from tests.factories import StoryFactory, UserFactory

from .conftest import NARRATIVE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tagging_recorded")]


def _action(story, user, description="Water rounds every hour"):
    return services.action_create(
        story=story, user=user, description=description, owner=user, due_on=timezone.localdate()
    )


@pytest.fixture
def action(world, shared):
    return _action(shared, world.px_a)


def test_a_change_made_is_claimed_and_signed_off_by_a_second_person(world, action):
    services.change_claim(
        action=action, user=world.px_a, claim=ChangeClaim.MADE, description="Rounds started in May"
    )
    action.refresh_from_db()
    assert action.change_claim == "made" and action.change_awaiting_sign_off
    assert action.change_claimed_by == world.px_a and action.change_claimed_at is not None
    assert action.status == "open"  # the claim is not the action's status

    signed = services.change_sign_off(action=action, user=world.px_a_colleague)
    assert signed.change_signed_off and signed.change_signed_off_by == world.px_a_colleague

    events = AuditEvent.objects.filter(object_type="stories.storyaction", object_id=str(action.pk))
    claimed = events.get(action=AuditAction.CHANGE_CLAIMED)
    assert claimed.user == world.px_a and claimed.organisation == world.trust_a
    assert claimed.detail == {"claim": "made", "story": action.story_id}
    signed_off = events.get(action=AuditAction.CHANGE_SIGNED_OFF)
    assert signed_off.user == world.px_a_colleague and signed_off.organisation == world.trust_a
    assert signed_off.detail["claimed_by"] == world.px_a.pk
    # The audit holds identifiers and choices only, never what changed.
    assert "Rounds started" not in str(claimed.detail) + str(signed_off.detail)


def test_the_claimant_cannot_sign_off_their_own_claim(world, action):
    services.change_claim(action=action, user=world.px_a, claim="made", description="Rounds started")
    with pytest.raises(ValidationError) as error:
        services.change_sign_off(action=action, user=world.px_a)
    assert "another patient experience lead" in error.value.message_dict["sign_off"][0]
    action.refresh_from_db()
    assert action.change_signed_off_at is None
    assert not AuditEvent.objects.filter(action=AuditAction.CHANGE_SIGNED_OFF).exists()


@pytest.mark.parametrize("who", ["px_b", "icb_lead", "board_a", "admin"])
def test_only_a_px_lead_of_the_same_trust_claims_or_signs_off(world, action, who):
    person = world.people()[who]
    with pytest.raises(ValidationError) as error:
        services.change_claim(action=action, user=person, claim="made", description="Rounds started")
    assert "claim" in error.value.message_dict
    services.change_claim(action=action, user=world.px_a, claim="made", description="Rounds started")
    with pytest.raises(ValidationError) as error:
        services.change_sign_off(action=action, user=person)
    assert "sign_off" in error.value.message_dict


def test_a_claim_needs_what_changed_and_a_known_kind(world, action):
    with pytest.raises(ValidationError) as error:
        services.change_claim(action=action, user=world.px_a, claim="made", description="   ")
    assert "description" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.change_claim(action=action, user=world.px_a, claim="done", description="Rounds")
    assert "claim" in error.value.message_dict


def test_nothing_to_sign_off_without_a_claim_and_not_twice(world, action):
    with pytest.raises(ValidationError):
        services.change_sign_off(action=action, user=world.px_a_colleague)
    services.change_claim(action=action, user=world.px_a, claim="planned", description="Rounds from June")
    services.change_sign_off(action=action, user=world.px_a_colleague)
    with pytest.raises(ValidationError) as error:
        services.change_sign_off(action=action, user=world.px_a_colleague)
    assert "already signed off" in error.value.message_dict["sign_off"][0]


def test_a_new_claim_withdraws_the_sign_off(world, action):
    services.change_claim(action=action, user=world.px_a, claim="planned", description="Rounds from June")
    services.change_sign_off(action=action, user=world.px_a_colleague)
    services.change_claim(
        action=action, user=world.px_a_colleague, claim="made", description="Rounds started in June"
    )
    action.refresh_from_db()
    assert action.change_claim == "made" and action.change_signed_off_at is None
    # Now the colleague claimed it, so the first px lead may sign it off.
    assert services.change_sign_off(action=action, user=world.px_a).change_signed_off


# Pages


@pytest.mark.parametrize("who", ["px_b", "icb_lead", "board_a", "admin", "stranger"])
def test_outside_the_trust_the_claim_pages_do_not_exist(client, world, action, who):
    services.change_claim(action=action, user=world.px_a, claim="made", description="Rounds started")
    client.force_login(world.people()[who])
    args = [action.story_id, action.pk]
    for name in ("stories:change_claim", "stories:change_sign_off"):
        assert client.get(reverse(name, args=args)).status_code == 404
        assert client.post(reverse(name, args=args), {"confirm": "yes"}).status_code == 404
    action.refresh_from_db()
    assert action.change_signed_off_at is None


def test_the_claimant_is_told_a_colleague_must_sign_off(client, world, action):
    client.force_login(world.px_a)
    url = reverse("stories:change_claim", args=[action.story_id, action.pk])
    response = client.post(url, {"claim": "made", "description": ""})
    assert response.status_code == 200 and "Say what changed" in response.content.decode()
    response = client.post(url, {"claim": "made", "description": "Rounds started in May"})
    assert response.status_code == 302
    sign_off = reverse("stories:change_sign_off", args=[action.story_id, action.pk])
    page = client.get(sign_off).content.decode()
    assert "must sign it off" in page and "Yes, sign off the claim" not in page
    page = client.post(sign_off, {"confirm": "yes"}).content.decode()
    assert "There is a problem" in page and "another patient experience lead" in page
    client.force_login(world.px_a_colleague)
    assert client.post(sign_off, {"confirm": "yes"}).status_code == 302
    action.refresh_from_db()
    assert action.change_signed_off_by == world.px_a_colleague


def test_nothing_claimed_has_no_sign_off_page(client, world, action):
    client.force_login(world.px_a)
    url = reverse("stories:change_sign_off", args=[action.story_id, action.pk])
    assert client.get(url).status_code == 404


def test_outside_the_trust_the_story_page_shows_the_claim_and_redacted_actions_but_not_the_response(
    client, world, action
):
    services.change_claim(
        action=action, user=world.px_a, claim="made", description="Dr Patel now rounds hourly"
    )
    services.change_sign_off(action=action, user=world.px_a_colleague)
    services.teller_response_record(
        story=action.story, user=world.px_a, response="Dear John Smith, call 07700 900123"
    )
    # What will change and its outcome are redacted outside the trust, like the story.
    services.action_update(
        action=action,
        description="Ring back on 07700 900123 within a day",
        owner=world.px_a,
        due_on=action.due_on,
        status="done",
        outcome="John Smith was called by Dr Patel",
    )
    client.force_login(world.icb_lead)
    page = client.get(reverse("stories:detail", args=[action.story_id])).content.decode()
    assert "Change made, signed off in" in page
    for secret in ("Dr Patel", "John Smith", "07700 900123", world.px_a_colleague.get_full_name()):
        assert secret not in page
    assert "A response was given in" in page and "Ring back on" in page and "Outcome:" in page
    client.force_login(world.px_a)
    page = client.get(reverse("stories:detail", args=[action.story_id])).content.decode()
    assert "Dr Patel now rounds hourly" in page and "Dear John Smith" in page
    assert "Ring back on 07700 900123" in page and "John Smith was called by Dr Patel" in page


# The share of critical stories with a response and with a change made


def _story(world, *, org=None, user=None, occurred_on=None, **fields):
    story = StoryFactory(
        organisation=org or world.trust_a,
        user=user or world.px_a,
        narrative=NARRATIVE,
        status="shared",
        occurred_on=occurred_on or datetime.date(2026, 3, 10),
    )
    type(story).objects.filter(pk=story.pk).update(**fields)
    story.refresh_from_db()
    return story


def test_critical_follow_up_counts_responses_and_signed_off_changes_made(world):
    # Read as negative, answered and with a change made, but neither a safety concern nor rated 4 or 5: not
    # critical (the one meaning every count of critical stories uses).
    negative = _story(world, sentiment="negative")
    safety = _story(world, safety_concern="safety")
    severe = _story(world, criticality=5)
    planned_only = _story(world, criticality=4)
    _story(world, criticality=3, sentiment="positive")  # not critical
    _story(world, sentiment="negative", occurred_on=datetime.date(2026, 4, 1))  # after the period
    withdrawn = _story(world, sentiment="negative", status=StoryStatus.WITHDRAWN)
    other_trust = _story(world, org=world.trust_b, user=world.px_b, sentiment="negative", criticality=4)

    services.teller_response_record(story=negative, user=world.px_a, response="Thank you")
    services.teller_response_record(story=severe, user=world.px_a, response="Sorry")
    services.teller_response_record(story=withdrawn, user=world.px_a, response="Sorry")
    made = _action(negative, world.px_a)
    services.change_claim(action=made, user=world.px_a, claim="made", description="Rounds")
    services.change_sign_off(action=made, user=world.px_a_colleague)
    # Claimed but not signed off: not counted.
    unsigned = _action(safety, world.px_a)
    services.change_claim(action=unsigned, user=world.px_a, claim="made", description="Rounds")
    # Planned and signed off: not a change made.
    planned = _action(planned_only, world.px_a)
    services.change_claim(action=planned, user=world.px_a, claim="planned", description="Rounds")
    services.change_sign_off(action=planned, user=world.px_a_colleague)
    # Two signed-off changes on one story count it once.
    for _ in range(2):
        another = _action(severe, world.px_a)
        services.change_claim(action=another, user=world.px_a, claim="made", description="Rounds")
        services.change_sign_off(action=another, user=world.px_a_colleague)
    other = _action(other_trust, world.px_b)
    services.change_claim(action=other, user=world.px_b, claim="made", description="Rounds")

    march = {"since": datetime.date(2026, 3, 1), "before": datetime.date(2026, 4, 1)}
    result = selectors.critical_follow_up([world.trust_a.pk], **march)
    assert (result.critical, result.with_response, result.with_change_made) == (3, 1, 1)
    assert result.response_share == result.change_made_share == 1 / 3

    both = selectors.critical_follow_up([world.trust_a.pk, world.trust_b.pk], **march)
    assert (both.critical, both.with_response, both.with_change_made) == (4, 1, 1)


def test_critical_follow_up_without_critical_stories_has_no_share(world):
    _story(world, sentiment="positive")
    result = selectors.critical_follow_up(
        [world.trust_a.pk], since=datetime.date(2026, 3, 1), before=datetime.date(2026, 4, 1)
    )
    assert result.critical == 0 and result.response_share is None and result.change_made_share is None


def test_a_px_lead_of_another_trust_in_the_same_ics_cannot_sign_off(world, action):
    """Even someone who is px lead of trust B and a member of trust A in another role."""
    Membership.objects.create(user=world.px_b, organisation=world.trust_a, role=Role.BOARD)
    services.change_claim(action=action, user=world.px_a, claim="made", description="Rounds")
    with pytest.raises(ValidationError):
        services.change_sign_off(action=action, user=world.px_b)
    newcomer = UserFactory()
    Membership.objects.create(user=newcomer, organisation=world.trust_a, role=Role.PX_LEAD)
    assert services.change_sign_off(action=action, user=newcomer).change_signed_off


def test_a_claim_waits_in_the_colleagues_inbox_not_the_claimants(world, action):
    from insight_hub.inbox import inbox_for

    def waiting(person):
        items = [i for i in inbox_for(person) if i.label == "Change claims waiting for your sign-off"]
        return (items[0].count, items[0].url) if items else None

    services.change_claim(action=action, user=world.px_a, claim="made", description="Rounds")
    url = reverse("stories:change_sign_off", args=[action.story_id, action.pk])
    assert waiting(world.px_a_colleague) == (1, url)
    assert waiting(world.px_a) is None and waiting(world.px_b) is None and waiting(world.icb_lead) is None
    services.change_sign_off(action=action, user=world.px_a_colleague)
    assert waiting(world.px_a_colleague) is None
