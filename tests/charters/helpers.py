"""Charters built through the services, as a person would build them."""

from __future__ import annotations

from charters import services
from insight_hub.themes.models import Theme


def framework_themes(count: int = 2) -> list[Theme]:
    return list(Theme.objects.filter(taxonomy__is_default=True, ics__isnull=True).order_by("pk")[:count])


def make_charter(world, *, owner="icb_lead", commitments=2, adopt=False, title="Our patient charter"):
    charter = services.charter_create(
        ics=world.ics, user=world.admin, title=title, summary="What we promise, in plain words."
    )
    themes = framework_themes(commitments)
    for number in range(commitments):
        services.commitment_save(
            charter=charter,
            user=world.admin,
            text=f"We will keep promise {number + 1}.",
            category="communication",
            owner=getattr(world, owner) if owner else None,
            themes=[themes[number]],
            metrics=["ics"] if number == 0 else [f"org:{world.trust_a.ods_code}"],
            target_percent=90 if number == 0 else None,
        )
    if adopt:
        charter = services.charter_adopt(charter=charter, user=world.admin)
    return charter
