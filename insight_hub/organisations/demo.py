"""The demo ICS: Kent and Medway, with its real trusts from the ODS reference data, a few services each,
and one demo person per role. Deterministic, so every first look shows the same hub."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from .models import ICS, FFTSetting, Membership, Organisation, OrganisationKind, Role, Service
from .services import ics_setup, membership_create, reference_data_load, site_get_or_create, user_create

DEMO_ICB = "QKS"
# Kent and Medway's trusts as ODS places them, plus the ambulance trust that serves the county from Sussex.
DEMO_PARTNERS = ["RN7", "RPA", "RPG", "RVV", "RWF", "RXY", "RYY", "RYD"]
DEMO_PASSWORD = "demo-insight-hub"  # noqa: S105 - printed for the first look; never a real account

# Services by organisation kind: (site, service, FFT setting).
SERVICES_BY_KIND = {
    OrganisationKind.ACUTE: [
        ("Main hospital", "Emergency department", FFTSetting.AE),
        ("Main hospital", "Ward 7 (stroke unit)", FFTSetting.INPATIENT),
        ("Main hospital", "Maternity unit", FFTSetting.MATERNITY),
        ("Main hospital", "Outpatient clinics", FFTSetting.OUTPATIENT),
    ],
    OrganisationKind.MENTAL_HEALTH: [
        ("Community hub", "Community mental health team", FFTSetting.MENTAL_HEALTH),
        ("Inpatient unit", "Acute inpatient ward", FFTSetting.MENTAL_HEALTH),
    ],
    OrganisationKind.COMMUNITY: [
        ("Community hospital", "Stroke rehabilitation", FFTSetting.COMMUNITY),
        ("District nursing", "District nursing", FFTSetting.COMMUNITY),
    ],
    OrganisationKind.AMBULANCE: [
        ("Emergency operations centre", "999 emergency response", FFTSetting.AMBULANCE),
        ("Patient transport", "Patient transport service", FFTSetting.AMBULANCE),
    ],
}


@dataclass(frozen=True)
class DemoPerson:
    email: str
    first_name: str
    last_name: str
    organisation: str
    role: str
    job_title: str


DEMO_PEOPLE = [
    DemoPerson(
        "icb.lead@demo.nhs.uk",
        "Amara",
        "Okafor",
        DEMO_ICB,
        Role.ICB_LEAD,
        "Head of Patient Experience and Insight",
    ),
    DemoPerson("admin@demo.nhs.uk", "Tom", "Reid", DEMO_ICB, Role.SYSTEM_ADMIN, "Insight Hub administrator"),
    DemoPerson("px.eastkent@demo.nhs.uk", "Priya", "Shah", "RVV", Role.PX_LEAD, "Head of Patient Experience"),
    DemoPerson("px.medway@demo.nhs.uk", "Gareth", "Evans", "RPA", Role.PX_LEAD, "Patient Experience Manager"),
    DemoPerson("board.eastkent@demo.nhs.uk", "Helen", "Marsh", "RVV", Role.BOARD, "Non-executive director"),
    DemoPerson("board.icb@demo.nhs.uk", "David", "Mensah", DEMO_ICB, Role.BOARD, "ICB chair"),
]


@transaction.atomic
def demo_organisations_load() -> ICS:
    reference_data_load()
    ics = ics_setup(icb_code=DEMO_ICB, partner_codes=DEMO_PARTNERS, name="Kent and Medway ICS")
    for org in Organisation.objects.filter(ods_code__in=DEMO_PARTNERS).order_by("ods_code"):
        for site_name, service_name, setting in SERVICES_BY_KIND.get(org.kind, []):
            site = site_get_or_create(organisation=org, name=site_name)
            Service.objects.get_or_create(
                organisation=org, name=service_name, defaults={"fft_setting": setting, "site": site}
            )
    User = get_user_model()
    for person in DEMO_PEOPLE:
        user = User.objects.filter(username=person.email).first() or user_create(
            email=person.email,
            first_name=person.first_name,
            last_name=person.last_name,
            password=DEMO_PASSWORD,
        )
        if person.role == Role.SYSTEM_ADMIN and not user.is_staff:
            user.is_staff = True  # Django admin is the system administrator's tool for users
            user.save(update_fields=["is_staff"])
        org = Organisation.objects.get(ods_code=person.organisation)
        if not Membership.objects.filter(user=user, organisation=org, role=person.role).exists():
            membership_create(user=user, organisation=org, role=person.role, job_title=person.job_title)
    ics.px_lead = User.objects.get(username=DEMO_PEOPLE[0].email)
    ics.save(update_fields=["px_lead"])
    return ics
