"""Reads for configured dashboards: which dashboard a person may open, and what it covers for them."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import Http404
from django.shortcuts import get_object_or_404

from insight_hub.organisations.permissions import scope_for, visible_organisations
from insight_hub.periods import Period

from . import quotes as quote_picker
from . import selectors
from .models import Dashboard, DashboardStatus, ScopeKind, Tile, TileKind


def dashboard_get_or_404(user, pk: int) -> Dashboard:
    """A dashboard of an ICS the person reads as a whole, or a published one covering an organisation they
    see; else 404."""
    dashboard = get_object_or_404(Dashboard.objects.select_related("owner", "ics", "pathway"), pk=pk)
    if dashboard.ics_id in scope_for(user).system_ics_ids:
        return dashboard
    visible = set(visible_organisations(user).values_list("pk", flat=True))
    if dashboard.status == DashboardStatus.PUBLISHED and visible & set(
        dashboard.organisations.values_list("pk", flat=True)
    ):
        return dashboard
    raise Http404


def dashboards_for(user):
    """The dashboards listed for a person: all of the ICSs they read as a whole, else the published ones whose
    scope includes an organisation they see."""
    scope = scope_for(user)
    if scope.system_ics_ids:
        return Dashboard.objects.filter(ics_id__in=scope.system_ics_ids).select_related("owner")
    return (
        Dashboard.objects.filter(status=DashboardStatus.PUBLISHED)
        .filter(organisations__in=visible_organisations(user))
        .select_related("owner")
        .distinct()
    )


def dashboard_scope(*, user, dashboard: Dashboard) -> tuple[list[int], list[int] | None]:
    """(organisation ids, service ids or None) a dashboard covers, narrowed to what the viewer may see."""
    visible = {o.pk: o for o in visible_organisations(user).filter(ics=dashboard.ics)}
    if dashboard.scope_kind == ScopeKind.ORGANISATIONS:
        org_ids = [pk for pk in dashboard.organisations.values_list("pk", flat=True) if pk in visible]
        return org_ids, None
    if dashboard.scope_kind == ScopeKind.SERVICES:
        pairs = list(dashboard.services.values_list("pk", "organisation_id"))
        return sorted({org for _, org in pairs if org in visible}), [
            pk for pk, org in pairs if org in visible
        ]
    if dashboard.scope_kind == ScopeKind.PATHWAY and dashboard.pathway_id:
        stages = list(dashboard.pathway.stages.values_list("organisation_id", "service_id"))
        org_ids = sorted({org for org, _ in stages if org in visible})
        services_ = [svc for org, svc in stages if svc and org in visible]
        return org_ids, (services_ if services_ and all(svc for _, svc in stages) else None)
    return list(visible), None


@dataclass
class TileData:
    """One tile's reads over the period: its FFT months (a metric tile) or theme months (a theme tile); with
    `org_names`, also its representative quotes and the theme's summary, as the page shows them."""

    tile: Tile
    org_ids: list[int]
    service_ids: list[int] | None
    fft_months: list = field(default_factory=list)
    theme_months: list = field(default_factory=list)
    quotes: list = field(default_factory=list)
    summary: selectors.ThemeSummary | None = None

    @property
    def is_metric(self) -> bool:
        return self.tile.kind == TileKind.METRIC


def dashboard_tiles(
    *,
    dashboard: Dashboard,
    org_ids: list[int],
    service_ids: list[int] | None,
    period: Period,
    org_names: dict[int, str] | None = None,
) -> list[TileData]:
    """The dashboard's tiles with their figures, for the page and for the CSV export alike. A tile on one
    service reads that service; the others read the dashboard's scope (`dashboard_scope`)."""
    tiles = []
    summaries: dict[tuple, dict] = {}
    for tile in dashboard.tiles.select_related("theme", "service", "owner"):
        tile_services = [tile.service_id] if tile.service_id else service_ids
        tile_orgs = [tile.service.organisation_id] if tile.service_id else org_ids
        data = TileData(tile=tile, org_ids=tile_orgs, service_ids=tile_services)
        if data.is_metric:
            data.fft_months = selectors.fft_trend(tile_orgs, tile_services, period)
        else:
            data.theme_months = selectors.theme_trend(tile.theme_id, tile_orgs, tile_services, period)
        if org_names is not None:
            data.quotes = quote_picker.representative_quotes(
                theme_id=None if data.is_metric else tile.theme_id,
                org_ids=tile_orgs,
                service_ids=tile_services,
                period=period,
                org_names=org_names,
            )
            if not data.is_metric:
                scope_key = (tuple(tile_orgs), tuple(tile_services) if tile_services is not None else None)
                if scope_key not in summaries:  # tiles over the same scope share one summary
                    summaries[scope_key] = {
                        s.theme.pk: s for s in selectors.theme_summaries(tile_orgs, tile_services, period)
                    }
                data.summary = summaries[scope_key].get(tile.theme_id)
        tiles.append(data)
    return tiles
