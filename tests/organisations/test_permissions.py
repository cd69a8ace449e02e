import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from insight_hub.organisations.models import ICS, Organisation, Role, Service
from insight_hub.organisations.permissions import (
    can_edit,
    can_read_original,
    can_view,
    get_for_user_or_404,
    organisations_for,
    scope_for,
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
