"""Demo dashboards for Kent and Medway: one published with a named owner and tiles, one draft nobody owns
yet (so "Who owns what" shows a gap), a population profile for one trust (so the equality view can show who
is not responding), and roll-ups built from the demo feedback and stories."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from dashboards import rollups
from dashboards.models import (
    Characteristic,
    Dashboard,
    DashboardStatus,
    PopulationProfile,
    ScopeKind,
    Tile,
    TileKind,
)
from insight_hub.organisations.demo import DEMO_ICB, DEMO_PEOPLE
from insight_hub.organisations.models import ICS, FFTSetting, Organisation, Service
from insight_hub.themes.models import Theme

# East Kent's catchment by ethnic category, rounded from the 2021 census for Kent (per cent).
EAST_KENT_POPULATION = {
    "A": 86,
    "B": 1,
    "C": 3,
    "H": 2,
    "J": 1,
    "K": 1,
    "L": 1,
    "N": 1,
    "M": 1,
    "S": 2,
    "R": 1,
}


@transaction.atomic
def _dashboards(ics: ICS) -> None:
    lead = get_user_model().objects.get(username=DEMO_PEOPLE[0].email)
    review = timezone.localdate() + dt.timedelta(days=90)
    urgent, created = Dashboard.objects.get_or_create(
        ics=ics,
        title="Urgent and emergency care",
        defaults={
            "scope_kind": ScopeKind.SERVICES,
            "owner": lead,
            "review_on": review,
            "status": DashboardStatus.PUBLISHED,
            "published_at": timezone.now(),
        },
    )
    if created:
        emergency = Service.objects.filter(organisation__ics=ics, fft_setting=FFTSetting.AE)
        urgent.services.set(emergency)
        urgent.organisations.set(Organisation.objects.filter(services__in=emergency).distinct())
        Tile.objects.create(
            dashboard=urgent, kind=TileKind.METRIC, title="FFT in emergency departments", owner=lead
        )
        for order, (name, owner) in enumerate(
            [
                ("Timeliness of care", lead),
                ("Being kept informed, clarity & consistency of information", None),
            ],
            2,
        ):
            theme = Theme.objects.get(taxonomy__is_default=True, name=name)
            Tile.objects.create(dashboard=urgent, kind=TileKind.THEME, theme=theme, owner=owner, order=order)
    Dashboard.objects.get_or_create(
        ics=ics, title="Maternity experience", defaults={"scope_kind": ScopeKind.ICS, "review_on": review}
    )


def demo_dashboards_load() -> str:
    ics = ICS.objects.get(icb__ods_code=DEMO_ICB)
    _dashboards(ics)
    east_kent = Organisation.objects.get(ods_code="RVV")
    for group, share in EAST_KENT_POPULATION.items():
        PopulationProfile.objects.update_or_create(
            organisation=east_kent,
            characteristic=Characteristic.ETHNIC_CATEGORY,
            group=group,
            defaults={"people": share * 7_000, "source": "2021 census for Kent, scaled to attendances"},
        )
    built = rollups.rebuild_all()
    return f"2 dashboards; roll-ups rebuilt in {built['seconds']:.1f} s"
