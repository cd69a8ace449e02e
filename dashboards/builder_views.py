"""Configured dashboards: the ones ICB leads build from tiles, with a named owner, published to the
organisations they cover. Each finds the dashboard within the person's reach first (outsiders get 404);
only the ICS's ICB leads and system administrators change one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from insight_hub import exports
from insight_hub.forms import add_service_errors
from insight_hub.organisations.models import Organisation
from insight_hub.organisations.permissions import scope_for
from insight_hub.privacy import audit
from insight_hub.privacy.models import AuditAction

from . import charts, selectors, services
from . import quotes as quote_picker
from .forms import DashboardForm, PeriodForm, TileForm
from .models import Dashboard, DashboardStatus, ScopeKind, Tile, TileKind
from .views import (
    DASHBOARDS,
    HOME,
    _as_of,
    _names,
    _refresh_after,
    _spc,
    _system_ics,
    _template,
    _visible_organisations,
)


def _dashboard_or_404(user, pk: int) -> Dashboard:
    dashboard = get_object_or_404(Dashboard.objects.select_related("owner", "ics", "pathway"), pk=pk)
    scope = scope_for(user)
    if dashboard.ics_id in scope.system_ics_ids:
        return dashboard
    visible = set(_visible_organisations(user).values_list("pk", flat=True))
    if dashboard.status == DashboardStatus.PUBLISHED and visible & set(
        dashboard.organisations.values_list("pk", flat=True)
    ):
        return dashboard
    raise Http404


def _can_manage(user, dashboard_or_ics) -> bool:
    ics_id = dashboard_or_ics.ics_id if isinstance(dashboard_or_ics, Dashboard) else dashboard_or_ics.pk
    scope = scope_for(user)
    return ics_id in scope.icb_lead_ics_ids | scope.admin_ics_ids


def _dashboard_scope(dashboard: Dashboard, user):
    """(organisation ids, service ids or None) a dashboard covers, narrowed to what the viewer may see."""
    visible = {o.pk: o for o in _visible_organisations(user).filter(ics=dashboard.ics)}
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


@login_required
@vary_on_headers("HX-Request")
def detail(request, pk: int):
    dashboard = _dashboard_or_404(request.user, pk)
    org_ids, service_ids = _dashboard_scope(dashboard, request.user)
    names = _names(Organisation.objects.filter(pk__in=org_ids))
    form = PeriodForm(request.GET or None)
    period = form.period()
    tiles = []
    summaries: dict[tuple, dict] = {}
    for tile in dashboard.tiles.select_related("theme", "service", "owner"):
        tile_services = [tile.service_id] if tile.service_id else service_ids
        tile_orgs = [tile.service.organisation_id] if tile.service_id else org_ids
        if tile.kind == TileKind.METRIC:
            chart = _spc(
                f"{tile}: FFT % positive by month", selectors.fft_trend(tile_orgs, tile_services, period)
            )
            quotes = quote_picker.representative_quotes(
                theme_id=None, org_ids=tile_orgs, service_ids=tile_services, period=period, org_names=names
            )
            summary = None
        else:
            trend = selectors.theme_trend(tile.theme_id, tile_orgs, tile_services, period)
            chart = charts.trend_chart(f"{tile}: mentions and net sentiment", trend)
            quotes = quote_picker.representative_quotes(
                theme_id=tile.theme_id,
                org_ids=tile_orgs,
                service_ids=tile_services,
                period=period,
                org_names=names,
            )
            scope_key = (tuple(tile_orgs), tuple(tile_services) if tile_services is not None else None)
            if scope_key not in summaries:  # tiles over the same scope share one summary
                summaries[scope_key] = {
                    s.theme.pk: s for s in selectors.theme_summaries(tile_orgs, tile_services, period)
                }
            summary = summaries[scope_key].get(tile.theme_id)
        tiles.append({"tile": tile, "chart": chart, "quotes": quotes, "summary": summary})
    context = {
        "dashboard": dashboard,
        "form": form,
        "period": period,
        "query": request.GET.urlencode(),
        "tiles": tiles,
        "owner": dashboard.owner if dashboard.is_owned else None,
        "owner_role": "Dashboard owner",
        "can_manage": _can_manage(request.user, dashboard),
        "tile_form": TileForm(ics=dashboard.ics) if _can_manage(request.user, dashboard) else None,
        "breadcrumbs": [HOME, DASHBOARDS],
    }
    return _refresh_after(render(request, _template(request, "detail"), {**context, **_as_of()}))


@login_required
def export_csv(request, pk: int):
    """The dashboard's figures as CSV, with its owner named at the top as on every view of it."""
    dashboard = _dashboard_or_404(request.user, pk)
    org_ids, service_ids = _dashboard_scope(dashboard, request.user)
    period = PeriodForm(request.GET or None).period()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="dashboard-{dashboard.pk}-{period.last:%Y-%m}.csv"'
    )
    writer = exports.CsvWriter(response)  # defuses formulas in titles and names
    owner = dashboard.owner if dashboard.is_owned else None
    membership = owner.memberships.order_by("created_at").first() if owner else None
    for key, value in [
        ("Dashboard", dashboard.title),
        ("Owner", owner.get_full_name() if owner else "No named owner"),
        ("Owner job title", membership.job_title if membership else ""),
        ("Owner contact", owner.email if owner else ""),
        ("Review date", f"{dashboard.review_on:%Y-%m-%d}" if dashboard.review_on else ""),
        ("Period", period.label),
        (
            "Suppression",
            "Counts from 1 to 4 are shown as *, and so is any figure from which one could be worked out "
            "(a total, a percentage or net sentiment).",
        ),
    ]:
        writer.writerow([key, value])
    writer.writerow([])
    writer.writerow(["Tile", "Tile owner", "Month", "Measure", "Value"])
    for tile in dashboard.tiles.select_related("theme", "service", "owner"):
        tile_services = [tile.service_id] if tile.service_id else service_ids
        tile_orgs = [tile.service.organisation_id] if tile.service_id else org_ids
        tile_owner = tile.owner.get_full_name() if tile.is_owned else "No named owner"
        if tile.kind == TileKind.METRIC:
            for month, counts in selectors.fft_trend(tile_orgs, tile_services, period):
                figures = selectors.fft_figures(counts)
                writer.writerow([str(tile), tile_owner, f"{month:%Y-%m}", "FFT responses", figures.total])
                writer.writerow(
                    [str(tile), tile_owner, f"{month:%Y-%m}", "FFT % positive",
                     "" if figures.percent_positive is None else figures.percent_positive]
                )  # fmt: skip
        else:
            for entry in selectors.theme_trend(tile.theme_id, tile_orgs, tile_services, period):
                month = f"{entry.month:%Y-%m}"
                shown = selectors.theme_figures(entry.positive, entry.neutral, entry.negative)
                writer.writerow([str(tile), tile_owner, month, "Mentions", shown.total])
                writer.writerow(
                    [str(tile), tile_owner, month, "Net sentiment",
                     "" if shown.net_sentiment is None else shown.net_sentiment]
                )  # fmt: skip
    audit.record(request.user, AuditAction.EXPORT_DOWNLOADED, dashboard, export="dashboard.csv")
    return response


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, pk: int | None = None):
    dashboard = _dashboard_or_404(request.user, pk) if pk else None
    ics = dashboard.ics if dashboard else _system_ics(request.user)
    if not _can_manage(request.user, dashboard or ics):
        raise Http404
    form = DashboardForm(request.POST or None, instance=dashboard, ics=ics)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        organisations, services_ = data.pop("organisations"), data.pop("services")
        try:
            saved = services.dashboard_save(
                user=request.user,
                ics=ics,
                dashboard=dashboard,
                organisations=organisations,
                services=services_,
                **data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Saved “{saved.title}”.")
            return redirect("dashboards:detail", saved.pk)
    crumbs = [HOME, DASHBOARDS] + (
        [(dashboard.title, reverse("dashboards:detail", args=[dashboard.pk]))] if dashboard else []
    )
    return render(
        request, "dashboards/edit.html", {"form": form, "dashboard": dashboard, "breadcrumbs": crumbs}
    )


def _flash(request, error: ValidationError) -> None:
    """A refusal from a POST that redirects back to the dashboard: each message shown there as an error."""
    for message in error.messages:
        messages.error(request, message)


@login_required
@require_POST
def publish(request, pk: int):
    dashboard = _dashboard_or_404(request.user, pk)
    if not _can_manage(request.user, dashboard):
        raise Http404
    try:
        services.dashboard_publish(dashboard=dashboard, user=request.user)
    except ValidationError as error:
        _flash(request, error)
    else:
        messages.success(
            request, f"Published “{dashboard.title}”, owned by {dashboard.owner.get_full_name()}."
        )
    return redirect("dashboards:detail", dashboard.pk)


@login_required
@require_POST
def tile_add(request, pk: int):
    dashboard = _dashboard_or_404(request.user, pk)
    if not _can_manage(request.user, dashboard):
        raise Http404
    form = TileForm(request.POST, ics=dashboard.ics)
    if form.is_valid():
        try:
            services.tile_add(dashboard=dashboard, **form.cleaned_data)
        except ValidationError as error:
            _flash(request, error)
        else:
            messages.success(request, "Tile added.")
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else "Tile"
            for message in errors:
                messages.error(request, f"{label}: {message}")
    return redirect("dashboards:detail", dashboard.pk)


@login_required
@require_POST
def tile_remove(request, pk: int, tile_pk: int):
    dashboard = _dashboard_or_404(request.user, pk)
    if not _can_manage(request.user, dashboard):
        raise Http404
    tile = get_object_or_404(Tile, pk=tile_pk, dashboard=dashboard)
    services.tile_remove(tile=tile)
    messages.success(request, "Tile removed.")
    return redirect("dashboards:detail", dashboard.pk)
