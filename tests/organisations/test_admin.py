"""The ICS's system administrator manages their ICS in the admin without a shell, and nothing else."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from insight_hub.organisations.models import ICS, Membership, Organisation, Role
from tests.factories import MembershipFactory, OrganisationFactory

User = get_user_model()


@pytest.fixture
def admin_client(client, world):
    world.admin.is_staff = True
    world.admin.save()
    client.force_login(world.admin)
    return client


@pytest.fixture
def elsewhere(world):
    icb = OrganisationFactory(kind="icb", ods_code="QYY", name="NHS Otherland Integrated Care Board")
    ics = ICS.objects.create(name="Otherland ICS", icb=icb)
    icb.ics = ics
    icb.save()
    trust = OrganisationFactory(ods_code="ROO", name="OTHER TRUST", icb=icb, ics=ics)
    person = MembershipFactory(organisation=trust, role=Role.PX_LEAD).user
    return trust, person


def test_it_adds_a_gp_practice_and_a_person_with_a_role(admin_client, world):
    response = admin_client.post(
        "/admin/organisations/organisation/add/",
        {
            "ods_code": "g82001",
            "name": "Riverside Surgery",
            "kind": "primary_care",
            "region": "",
            "postcode": "CT1 1AA",
            "icb": world.icb.pk,
            "ics": world.ics.pk,
            "closed_on": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    practice = Organisation.objects.get(ods_code="G82001")
    assert practice.ics == world.ics

    response = admin_client.post(
        "/admin/auth/user/add/",
        {
            "username": "gp.lead",
            "first_name": "Asha",
            "last_name": "Patel",
            "email": "asha.patel@example.nhs.uk",
            "password1": "a-long-enough-password-1234",
            "password2": "a-long-enough-password-1234",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
            "memberships-0-organisation": practice.pk,
            "memberships-0-role": Role.PX_LEAD,
            "memberships-0-job_title": "Practice manager",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    person = User.objects.get(username="gp.lead")
    assert Membership.objects.filter(user=person, organisation=practice, role=Role.PX_LEAD).exists()
    assert not person.is_staff and not person.is_superuser


def test_it_refuses_a_bad_ods_code_with_a_message(admin_client, world):
    response = admin_client.post(
        "/admin/organisations/organisation/add/",
        {"ods_code": "G8 2001!", "name": "X", "kind": "primary_care", "ics": world.ics.pk},
    )
    assert response.status_code == 200
    assert "An ODS code is 3 to 10 capital letters and digits" in response.content.decode()


def test_another_ics_does_not_exist_for_them(admin_client, world, elsewhere):
    trust, person = elsewhere
    listing = admin_client.get("/admin/organisations/organisation/").content.decode()
    assert "Trust A" in listing or "TRUST A" in listing
    assert "OTHER TRUST" not in listing
    assert admin_client.get(f"/admin/organisations/organisation/{trust.pk}/change/").status_code in (302, 404)
    assert person.username not in admin_client.get("/admin/auth/user/").content.decode()
    assert admin_client.get(f"/admin/auth/user/{person.pk}/change/").status_code in (302, 404)
    # Nor can a partner be placed in another ICS.
    response = admin_client.post(
        "/admin/organisations/organisation/add/",
        {"ods_code": "G99999", "name": "Far Surgery", "kind": "primary_care", "ics": trust.ics_id},
    )
    assert response.status_code == 200
    assert not Organisation.objects.filter(ods_code="G99999").exists()


def test_they_cannot_grant_superuser_or_django_permissions(admin_client, world):
    person = world.px_a
    response = admin_client.post(
        f"/admin/auth/user/{person.pk}/change/",
        {
            "username": person.username,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "email": person.email,
            "is_active": "on",
            "is_superuser": "on",
            "is_staff": "on",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    person.refresh_from_db()
    assert not person.is_superuser and not person.is_staff


def test_a_system_admin_role_opens_the_admin_and_losing_it_closes_it(admin_client, world):
    person = world.px_a
    admin_client.post(
        f"/admin/auth/user/{person.pk}/change/",
        {
            "username": person.username,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "email": person.email,
            "is_active": "on",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
            "memberships-0-organisation": world.icb.pk,
            "memberships-0-role": Role.SYSTEM_ADMIN,
            "memberships-0-job_title": "Deputy administrator",
        },
    )
    person.refresh_from_db()
    assert person.is_staff


def test_other_roles_have_no_admin(client, world):
    for person in (world.px_a, world.icb_lead, world.board_a):
        person.is_staff = True  # even if someone set it by hand
        person.save()
        client.force_login(person)
        assert client.get("/admin/organisations/organisation/").status_code == 403
        assert client.get("/admin/auth/user/").status_code == 403


def test_local_themes_are_theirs_and_the_national_taxonomy_is_read_only(admin_client, world):
    from insight_hub.themes.models import Taxonomy, Theme

    taxonomy = Taxonomy.objects.get(is_default=True)
    national = Theme.objects.filter(ics__isnull=True).first()
    response = admin_client.post(
        "/admin/themes/theme/add/",
        {
            "taxonomy": taxonomy.pk,
            "ics": "",
            "name": "Parking at Riverside",
            "category": national.category,
            "description": "",
            "dimension": national.dimension,
            "phrases": "car park",
            "patterns": "",
            "active": "on",
        },
    )
    assert response.status_code == 200  # the ICS is required: a local theme is never national
    assert not Theme.objects.filter(name="Parking at Riverside").exists()
    assert admin_client.get(f"/admin/themes/theme/{national.pk}/change/").status_code in (302, 404)
