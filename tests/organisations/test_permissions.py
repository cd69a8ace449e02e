from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from insight_hub.organisations.models import ICS, Organisation, Role, Service
from insight_hub.organisations.permissions import (
    can_edit,
    can_manage_ics,
    can_read_original,
    can_view,
    get_for_user_or_404,
    organisation_or_404,
    organisations_for,
    scope_for,
    story_title_for,
    story_when_for,
    system_ics_or_404,
    visible_organisations,
)
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def visible(user):
    return set(organisations_for(user).values_list("ods_code", flat=True))


def test_px_lead_sees_only_their_own_trust(world):
    assert visible(world.px_a) == {"RAA"}
    assert can_edit(world.px_a, world.trust_a) and not can_edit(world.px_a, world.trust_b)
    assert can_read_original(world.px_a, world.trust_a) and not can_read_original(world.px_a, world.trust_b)


def test_icb_lead_sees_the_whole_ics_but_edits_nothing_and_reads_no_originals(world):
    assert visible(world.icb_lead) == {"QXX", "RAA", "RBB"}
    assert not can_edit(world.icb_lead, world.trust_a)
    assert not can_read_original(world.icb_lead, world.trust_a)


def test_board_member_of_a_trust_sees_that_trust(world):
    assert visible(world.board_a) == {"RAA"}
    assert can_view(world.board_a, world.trust_a) and not can_edit(world.board_a, world.trust_a)


def test_system_admin_sets_up_the_whole_ics(world):
    assert visible(world.admin) == {"QXX", "RAA", "RBB"}
    assert can_edit(world.admin, world.trust_b)
    assert not can_read_original(world.admin, world.trust_b)


def test_an_icb_lead_of_another_ics_sees_nothing_here(world):
    icb2 = OrganisationFactory(kind="icb", ods_code="QYY")
    ics2 = ICS.objects.create(name="Other ICS", icb=icb2)
    Organisation.objects.filter(pk=icb2.pk).update(ics=ics2)
    lead2 = MembershipFactory(organisation=icb2, role=Role.ICB_LEAD).user
    assert visible(lead2) == {"QYY"}
    assert not can_view(lead2, world.trust_a)


def test_people_without_a_role_and_anonymous_see_nothing(world):
    assert visible(world.stranger) == set()
    assert scope_for(AnonymousUser()).is_empty


def test_a_deactivated_account_loses_its_reach(world):
    world.px_a.is_active = False
    world.px_a.save()
    world.px_a._hub_scope = None
    assert visible(world.px_a) == set()


def test_get_for_user_or_404_hides_outsiders_objects(world):
    assert get_for_user_or_404(Service.objects.all(), world.px_a, pk=world.service_a.pk) == world.service_a
    with pytest.raises(Http404):
        get_for_user_or_404(Service.objects.all(), world.px_a, pk=world.service_b.pk)


def test_story_titles_and_dates_are_original_only_inside_the_logging_organisation(world):
    story = SimpleNamespace(
        organisation_id=world.trust_a.pk,
        title="Mrs Jones on ward 4",
        redacted_title="[NAME] on ward 4",
        occurred_display="3 March 2026",
        occurred_display_outside="March 2026",
    )
    assert story_title_for(world.px_a, story) == "Mrs Jones on ward 4"
    assert story_when_for(world.px_a, story) == "3 March 2026"
    for outsider in (world.px_b, world.icb_lead, world.board_a, world.admin, AnonymousUser()):
        assert story_title_for(outsider, story) == "[NAME] on ward 4"
        assert story_when_for(outsider, story) == "March 2026"


def test_dashboards_show_open_trusts_within_reach_and_never_an_icb(world):
    assert list(visible_organisations(world.icb_lead)) == [world.trust_a, world.trust_b]
    assert list(visible_organisations(world.px_a)) == [world.trust_a]
    Organisation.objects.filter(pk=world.trust_b.pk).update(closed_on="2026-01-01")
    assert list(visible_organisations(world.admin)) == [world.trust_a]
    assert organisation_or_404(world.board_a, "RAA") == world.trust_a
    for user, code in ((world.icb_lead, "QXX"), (world.px_a, "RBB"), (world.stranger, "RAA")):
        with pytest.raises(Http404):
            organisation_or_404(user, code)


def test_the_system_view_and_dashboard_building_belong_to_the_ics(world):
    ics = world.trust_a.ics
    assert system_ics_or_404(world.icb_lead) == ics
    with pytest.raises(Http404):
        system_ics_or_404(world.px_a)
    assert can_manage_ics(world.icb_lead, ics.pk) and can_manage_ics(world.admin, ics.pk)
    assert not can_manage_ics(world.px_a, ics.pk) and not can_manage_ics(world.board_a, ics.pk)
