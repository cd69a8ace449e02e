"""Writes for dashboards: create, edit, publish (never without a named owner) and tiles."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from insight_hub.organisations.models import ICS
from insight_hub.organisations.selectors import owner_candidates

from .models import Dashboard, DashboardStatus, ScopeKind, Tile

OWNER_MISSING = (
    "Choose a named owner before publishing: a dashboard nobody owns is the gap this hub exists to close."
)


def _check_owner(ics: ICS, owner) -> None:
    if owner is not None and not owner_candidates(ics).filter(pk=owner.pk).exists():
        raise ValidationError(
            {"owner": f"{owner.get_full_name() or owner} is not an active ICB lead of {ics}."}
        )


def _check_scope(dashboard: Dashboard, organisations, services) -> None:
    if dashboard.scope_kind == ScopeKind.ORGANISATIONS and not organisations:
        raise ValidationError({"organisations": "Choose at least one organisation for this scope."})
    if dashboard.scope_kind == ScopeKind.SERVICES and not services:
        raise ValidationError({"services": "Choose at least one service for this scope."})
    if dashboard.scope_kind == ScopeKind.PATHWAY and dashboard.pathway_id is None:
        raise ValidationError({"pathway": "Choose the pathway this dashboard follows."})


@transaction.atomic
def dashboard_save(
    *, user, ics: ICS, dashboard: Dashboard | None = None, organisations=(), services=(), **fields
):
    """Create or update a dashboard (a published one stays published, and must keep an owner)."""
    dashboard = dashboard or Dashboard(ics=ics, created_by=user)
    for name, value in fields.items():
        setattr(dashboard, name, value)
    _check_owner(ics, dashboard.owner)
    _check_scope(dashboard, organisations, services)
    if dashboard.status == DashboardStatus.PUBLISHED and dashboard.owner is None:
        raise ValidationError({"owner": OWNER_MISSING})
    dashboard.save()
    dashboard.organisations.set(organisations)
    dashboard.services.set(services)
    return dashboard


def dashboard_publish(*, dashboard: Dashboard, user) -> Dashboard:
    if not dashboard.is_owned:
        raise ValidationError({"owner": OWNER_MISSING})
    _check_owner(dashboard.ics, dashboard.owner)
    if dashboard.review_on is None:
        raise ValidationError(
            {"review_on": "Set a review date before publishing, so the owner knows when to look again."}
        )
    dashboard.status = DashboardStatus.PUBLISHED
    dashboard.published_at = timezone.now()
    dashboard.save(update_fields=["status", "published_at"])
    return dashboard


def tile_add(
    *, dashboard: Dashboard, kind: str, theme=None, service=None, owner=None, title: str = ""
) -> Tile:
    _check_owner(dashboard.ics, owner)
    if kind == "theme" and theme is None:
        raise ValidationError({"theme": "Choose the theme this tile follows."})
    order = (dashboard.tiles.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    return Tile.objects.create(
        dashboard=dashboard, kind=kind, theme=theme, service=service, owner=owner, title=title, order=order
    )


def tile_remove(*, tile: Tile) -> None:
    tile.delete()
