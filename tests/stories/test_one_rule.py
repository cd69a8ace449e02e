"""One rule for where a story can appear outside its trust (`Story.objects.visible_to`): shared with the
ICS, consent for internal learning given and not withdrawn. The system view's concerns, their count,
"awaiting response" and the story pages all follow it, so a count always equals its list and a link in a
list always opens. Found by an outside review: the ICB lead's system view listed a never-consented draft
the tagger had flagged and a withdrawn story, and counted 7 concerns where "awaiting response" listed 6."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from stories import services
from stories.models import FlagSource, Story
from tests.factories import StoryFactory


@pytest.fixture
def concerns(world, tagging_recorded) -> dict[str, Story]:
    def flagged(title, *, status="draft", by_tagger=False):
        story = StoryFactory(organisation=world.trust_a, user=world.px_a, title=title, status=status)
        return services.story_flag(
            story=story,
            user=None if by_tagger else world.px_a,
            concern="safety",
            source=FlagSource.TAGGER if by_tagger else FlagSource.PERSON,
        )

    stories = {
        "draft": flagged("Never consented draft", by_tagger=True),
        "withdrawn": flagged("Consent later withdrawn", status="shared"),
        "stale": flagged("Shared but consent withdrawn on an old row", status="shared"),
        "shared": flagged("Shared with consent", status="shared"),
    }
    services.story_consent_withdraw(
        story=stories["withdrawn"], user=world.px_a, withdrawn_on=timezone.localdate()
    )
    # A row whose consent was withdrawn while it stayed "shared" (an import, an old version): status alone
    # must not let it out.
    Story.objects.filter(pk=stories["stale"].pk).update(consent_withdrawn_on=timezone.localdate())
    return stories


def test_the_icb_lead_sees_and_counts_only_shared_consented_concerns(client, world, concerns):
    client.force_login(world.icb_lead)
    system = client.get(reverse("dashboards:system"))
    assert system.status_code == 200
    assert system.context["awaiting_count"] == 1
    assert [s.pk for s in system.context["awaiting"]] == [concerns["shared"].pk]
    html = system.content.decode()
    for key in ("draft", "withdrawn", "stale"):
        assert concerns[key].redacted_title not in html
        assert client.get(reverse("stories:detail", args=[concerns[key].pk])).status_code == 404

    awaiting = client.get(reverse("stories:awaiting"))
    assert [s.pk for s in awaiting.context["stories"]] == [concerns["shared"].pk]
    # Every link the system view lists opens.
    for story in system.context["awaiting"]:
        assert client.get(reverse("stories:detail", args=[story.pk])).status_code == 200


def test_the_trust_dashboard_count_is_the_awaiting_list_for_each_reader(client, world, concerns):
    for person, expected in [("px_a", 4), ("board_a", 1), ("icb_lead", 1), ("admin", 1)]:
        client.force_login(world.people()[person])
        dashboard = client.get(reverse("dashboards:organisation", args=[world.trust_a.ods_code]))
        awaiting = client.get(reverse("stories:awaiting")).context["stories"]
        assert dashboard.context["awaiting_count"] == len(awaiting) == expected, person
        assert {s.pk for s in dashboard.context["awaiting"]} == {s.pk for s in awaiting}, person


def test_the_story_list_and_its_consent_filter_follow_the_same_rule(client, world, concerns):
    client.force_login(world.icb_lead)
    listed = {s.pk for s in client.get(reverse("stories:list")).context["page_obj"].object_list}
    assert listed == {concerns["shared"].pk}
    assert set(Story.objects.visible_to(world.icb_lead)) == {concerns["shared"]}
    assert set(Story.objects.visible_to(world.px_a)) == set(concerns.values())
    assert not Story.objects.visible_to(world.px_b).exists()
