"""Configured dashboards: the ones ICB leads build from tiles, with a named owner, published to the
organisations they cover. Each finds the dashboard within the person's reach first (outsiders get 404);
only the ICS's ICB leads and system administrators change one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from insight_hub import exports
from insight_hub.forms import add_service_errors
from insight_hub.organisations.models import Organisation
from insight_hub.organisations.permissions import can_manage_ics, system_ics_or_404
from insight_hub.privacy import audit
from insight_hub.privacy.models import AuditAction

from . import builder, charts, selectors, services
from .forms import DashboardForm, PeriodForm, TileForm
from .models import Tile
from .views import DASHBOARDS, HOME, _as_of, _names, _refresh_after, _spc, _template


@login_required
@vary_on_headers("HX-Request")
def detail(request, pk: int):
    dashboard = builder.dashboard_get_or_404(request.user, pk)
    org_ids, service_ids = builder.dashboard_scope(user=request.user, dashboard=dashboard)
    names = _names(Organisation.objects.filter(pk__in=org_ids))
    form = PeriodForm(request.GET or None)
    period = form.period()
    tiles = [
        {
            "tile": data.tile,
            "chart": _spc(f"{data.tile}: FFT % positive by month", data.fft_months)
            if data.is_metric
            else charts.trend_chart(f"{data.tile}: mentions and net sentiment", data.theme_months),
            "quotes": data.quotes,
            "summary": data.summary,
        }
        for data in builder.dashboard_tiles(
            dashboard=dashboard, org_ids=org_ids, service_ids=service_ids, period=period, org_names=names
        )
    ]
    context = {
        "dashboard": dashboard,
        "form": form,
        "period": period,
        "query": request.GET.urlencode(),
        "tiles": tiles,
        "owner": dashboard.owner if dashboard.is_owned else None,
        "owner_role": "Dashboard owner",
        "can_manage": can_manage_ics(request.user, dashboard.ics_id),
        "tile_form": TileForm(ics=dashboard.ics) if can_manage_ics(request.user, dashboard.ics_id) else None,
        "breadcrumbs": [HOME, DASHBOARDS],
    }
    return _refresh_after(render(request, _template(request, "detail"), {**context, **_as_of()}))


@login_required
def export_csv(request, pk: int):
    """The dashboard's figures as CSV, with its owner named at the top as on every view of it."""
    dashboard = builder.dashboard_get_or_404(request.user, pk)
    org_ids, service_ids = builder.dashboard_scope(user=request.user, dashboard=dashboard)
    form = PeriodForm(request.GET or None)
    period = form.period()
    if form.period_errors:  # a file of some other period than the one asked for would mislead: say why not
        problems = "; ".join(
            error if error.startswith(f"{form[name].label}:") else f"{form[name].label}: {error}"
            for name in ("months", "from_month", "to_month")
            for error in form[name].errors
        )  # each named, as the page's error summary would: a file has no fields to point at
        return HttpResponseBadRequest(
            f"No CSV for this period: {problems}", content_type="text/plain; charset=utf-8"
        )
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
    for data in builder.dashboard_tiles(
        dashboard=dashboard, org_ids=org_ids, service_ids=service_ids, period=period
    ):
        tile = str(data.tile)
        tile_owner = data.tile.owner.get_full_name() if data.tile.is_owned else "No named owner"
        for month, counts in data.fft_months:
            figures = selectors.fft_figures(counts)
            writer.writerow([tile, tile_owner, f"{month:%Y-%m}", "FFT responses", figures.total])
            writer.writerow(
                [tile, tile_owner, f"{month:%Y-%m}", "FFT % positive",
                 "" if figures.percent_positive is None else figures.percent_positive]
            )  # fmt: skip
        for entry in data.theme_months:
            month = f"{entry.month:%Y-%m}"
            shown = selectors.theme_figures(entry.positive, entry.neutral, entry.negative)
            writer.writerow([tile, tile_owner, month, "Mentions", shown.total])
            writer.writerow(
                [tile, tile_owner, month, "Net sentiment",
                 "" if shown.net_sentiment is None else shown.net_sentiment]
            )  # fmt: skip
    audit.record(request.user, AuditAction.EXPORT_DOWNLOADED, dashboard, export="dashboard.csv")
    return response


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, pk: int | None = None):
    dashboard = builder.dashboard_get_or_404(request.user, pk) if pk else None
    ics = dashboard.ics if dashboard else system_ics_or_404(request.user)
    if not can_manage_ics(request.user, ics.pk):
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
    dashboard = builder.dashboard_get_or_404(request.user, pk)
    if not can_manage_ics(request.user, dashboard.ics_id):
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
    dashboard = builder.dashboard_get_or_404(request.user, pk)
    if not can_manage_ics(request.user, dashboard.ics_id):
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
    dashboard = builder.dashboard_get_or_404(request.user, pk)
    if not can_manage_ics(request.user, dashboard.ics_id):
        raise Http404
    tile = get_object_or_404(Tile, pk=tile_pk, dashboard=dashboard)
    services.tile_remove(tile=tile)
    messages.success(request, "Tile removed.")
    return redirect("dashboards:detail", dashboard.pk)
