"""Writes for organisations: the ODS reference load, ICS set-up, services and memberships."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from .models import ICS, Membership, Organisation, OrganisationKind, Role, Service, Site

REFERENCE_DIR = Path(__file__).resolve().parent / "data"
# The 42 ICBs of July 2022 that did not continue closed the day before the April 2026 mergers.
PREVIOUS_ICBS_CLOSED_ON = date(2026, 3, 31)
ICB_LEVEL_ROLES = {Role.ICB_LEAD, Role.SYSTEM_ADMIN}


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0

    def summary(self) -> str:
        return f"{len(self.created)} created, {len(self.updated)} updated, {self.unchanged} unchanged"


def _upsert_organisation(report: LoadReport, *, ods_code: str, **values) -> Organisation:
    """Create or update one organisation, recording which it was; an unchanged row is not written."""
    org = Organisation.objects.filter(ods_code=ods_code).first()
    if org is None:
        org = Organisation(ods_code=ods_code, **values)
        org.full_clean()
        org.save()
        report.created.append(ods_code)
        return org
    changed = [name for name, value in values.items() if getattr(org, name) != value]
    if changed:
        for name in changed:
            setattr(org, name, values[name])
        org.full_clean()
        org.save(update_fields=changed)
        report.updated.append(f"{ods_code} ({', '.join(changed)})")
    else:
        report.unchanged += 1
    return org


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@transaction.atomic
def reference_data_load(*, directory: Path = REFERENCE_DIR) -> LoadReport:
    """Load ICBs (current and 2022–2026) and open NHS trusts from the ODS files; idempotent."""
    report = LoadReport()
    current = _read_csv(directory / "icbs.csv")
    current_codes = {row["ods_code"] for row in current}
    for row in _read_csv(directory / "icbs_2022_2026.csv"):
        if row["ods_code"] in current_codes:
            continue  # continuing ICBs are loaded from the current file below
        _upsert_organisation(
            report,
            ods_code=row["ods_code"],
            name=row["name"],
            kind=OrganisationKind.ICB,
            region=row["region"],
            closed_on=PREVIOUS_ICBS_CLOSED_ON,
        )
    for row in current:
        icb = _upsert_organisation(
            report,
            ods_code=row["ods_code"],
            name=row["name"],
            kind=OrganisationKind.ICB,
            region=row["region"],
            closed_on=None,
        )
        predecessors = list(Organisation.objects.filter(ods_code__in=row["predecessors"].split()))
        if {p.pk for p in predecessors} != set(icb.predecessors.values_list("pk", flat=True)):
            icb.predecessors.set(predecessors)
            report.updated.append(f"{icb.ods_code} (predecessors)")
    icbs = {org.ods_code: org for org in Organisation.objects.filter(kind=OrganisationKind.ICB)}
    for row in _read_csv(directory / "trusts.csv"):
        icb = icbs.get(row["icb_code"])
        if icb is None:
            raise ValidationError(
                f"trusts.csv: trust {row['ods_code']} names unknown ICB {row['icb_code']!r}"
            )
        _upsert_organisation(
            report,
            ods_code=row["ods_code"],
            name=row["name"],
            kind=row["kind"] or OrganisationKind.OTHER,
            postcode=row["postcode"],
            icb=icb,
            region=icb.region,
        )
    return report


@transaction.atomic
def ics_setup(*, icb_code: str, partner_codes: list[str], name: str | None = None) -> ICS:
    """Make (or refresh) the ICS led by an ICB, with the partner organisations that take part in it."""
    icb = Organisation.objects.get(ods_code=icb_code, kind=OrganisationKind.ICB)
    default_name = icb.name.removesuffix(" Integrated Care Board").removeprefix("NHS ") + " ICS"
    ics, _ = ICS.objects.get_or_create(icb=icb, defaults={"name": name or default_name})
    partners = list(Organisation.objects.filter(ods_code__in=partner_codes))
    missing = set(partner_codes) - {org.ods_code for org in partners}
    if missing:
        raise ValidationError(f"Unknown ODS codes: {', '.join(sorted(missing))}")
    Organisation.objects.filter(pk__in=[icb.pk, *(org.pk for org in partners)]).update(ics=ics)
    return ics


def site_get_or_create(*, organisation: Organisation, name: str, ods_code: str = "") -> Site:
    site, _ = Site.objects.get_or_create(
        organisation=organisation, name=name, defaults={"ods_code": ods_code}
    )
    return site


def service_create(
    *, organisation: Organisation, name: str, fft_setting: str, site: Site | None = None
) -> Service:
    service = Service(organisation=organisation, name=name, fft_setting=fft_setting, site=site)
    service.full_clean()
    service.save()
    return service


def service_update(
    *, service: Service, name: str, fft_setting: str, site: Site | None, active: bool
) -> Service:
    service.name, service.fft_setting, service.site, service.active = name, fft_setting, site, active
    service.full_clean()
    service.save()
    return service


def membership_create(*, user, organisation: Organisation, role: str, job_title: str) -> Membership:
    """Give a person a role; ICB-wide roles are held at an ICB that leads an ICS."""
    if role in ICB_LEVEL_ROLES and (organisation.kind != OrganisationKind.ICB or not organisation.ics_id):
        raise ValidationError(
            {"organisation": f"The {Role(role).label} role is held at an ICB that leads an ICS."}
        )
    membership = Membership(user=user, organisation=organisation, role=role, job_title=job_title)
    membership.full_clean()
    membership.save()
    return membership


def user_create(*, email: str, first_name: str, last_name: str, password: str | None = None):
    """People sign in with their email address, which is also their username."""
    User = get_user_model()
    user = User(username=email.lower(), email=email.lower(), first_name=first_name, last_name=last_name)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    return user
