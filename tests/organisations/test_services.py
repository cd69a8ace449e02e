import pytest
from django.core.exceptions import ValidationError

from insight_hub.organisations.models import Organisation, OrganisationKind, Role
from insight_hub.organisations.services import (
    ics_setup,
    membership_create,
    reference_data_load,
    service_create,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_reference_load_creates_every_icb_and_trust():
    report = reference_data_load()
    icbs = Organisation.objects.filter(kind=OrganisationKind.ICB)
    assert icbs.filter(closed_on__isnull=True).count() == 36
    # The 42 ICBs of 2022–2026: those that continued are open, the rest closed on 31 March 2026.
    closed = icbs.filter(closed_on__isnull=False)
    assert (
        closed.count() + icbs.filter(closed_on__isnull=True, ods_code__in=["QOX", "QHL", "QUA"]).count() > 0
    )
    assert Organisation.objects.exclude(kind=OrganisationKind.ICB).count() == 198
    assert len(report.created) == Organisation.objects.count()
    assert report.updated == [] or all("predecessors" in change for change in report.updated)


def test_reference_load_links_merged_icbs_to_predecessors():
    reference_data_load()
    essex = Organisation.objects.get(ods_code="D7T5G")
    assert set(essex.predecessors.values_list("ods_code", flat=True)) == {"QM7", "QH8", "QJG"}
    assert Organisation.objects.get(ods_code="QM7").closed_on is not None


def test_reference_load_twice_changes_nothing():
    reference_data_load()
    before = list(Organisation.objects.order_by("pk").values())
    again = reference_data_load()
    assert again.created == [] and again.updated == []
    assert again.unchanged == Organisation.objects.count()
    assert list(Organisation.objects.order_by("pk").values()) == before


def test_reference_load_reports_an_update_when_a_name_changes():
    reference_data_load()
    Organisation.objects.filter(ods_code="RVV").update(name="OLD NAME")
    report = reference_data_load()
    assert report.updated == ["RVV (name)"]


def test_kind_comes_from_the_file():
    reference_data_load()
    assert Organisation.objects.get(ods_code="RYD").kind == OrganisationKind.AMBULANCE
    assert Organisation.objects.get(ods_code="RXY").kind == OrganisationKind.MENTAL_HEALTH
    assert Organisation.objects.get(ods_code="RVV").icb.ods_code == "QKS"


def test_ics_setup_rejects_unknown_partners():
    reference_data_load()
    with pytest.raises(ValidationError, match="ZZZ"):
        ics_setup(icb_code="QKS", partner_codes=["RVV", "ZZZ"])


def test_icb_roles_must_be_held_at_an_icb(world):
    with pytest.raises(ValidationError, match="held at an ICB"):
        membership_create(
            user=UserFactory(), organisation=world.trust_a, role=Role.ICB_LEAD, job_title="Lead"
        )


def test_service_names_are_unique_within_an_organisation(world):
    with pytest.raises(ValidationError):
        service_create(organisation=world.trust_a, name=world.service_a.name, fft_setting="inpatient")
    # ...but another trust may use the same name.
    service_create(organisation=world.trust_b, name=world.service_a.name, fft_setting="inpatient")


def test_display_name_reads_ods_capitals_in_title_case():
    org = Organisation(name="EAST KENT HOSPITALS UNIVERSITY NHS FOUNDATION TRUST")
    assert org.display_name == "East Kent Hospitals University NHS Foundation Trust"
    assert Organisation(name="NHS Kent and Medway Integrated Care Board").display_name.startswith(
        "NHS Kent and"
    )
