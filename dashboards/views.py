"""Dashboard pages. Each works out the person's reach first (outsiders get 404), then reads roll-ups.

Filters are GET parameters kept in the URL, so a view can be shared by link; with htmx only the body
below the filters is swapped (`#dashboard-body`), the filters' error summary and fields coming along out of
band (components/filter_swap.html), and without JavaScript the form reloads the page.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.vary import vary_on_headers

from insight_hub.organisations.models import Organisation, Service
from insight_hub.organisations.permissions import (
    manages_any_ics,
    organisation_or_404,
    reads_system,
    system_ics_or_404,
    visible_organisations,
)
from insight_hub.themes.models import Theme
from stories.models import Pathway

from . import builder, charts, follow_up, funnel_views, rollups, selectors
from . import equality as equality_selectors
from . import quotes as quote_picker
from .forms import EqualityFilterForm, FilterForm, PeriodForm, characteristic_label
from .owners import ownership_register

HOME = ("Home", "/")
DASHBOARDS = ("Dashboards", "/dashboards/")


logger = logging.getLogger(__name__)


def _refresh_after(response: HttpResponse) -> HttpResponse:
    """The embedded default (Celery eager, no beat) has no periodic pass: bring the roll-ups up to date after
    this response has been sent, at most once a minute (`rollups.refresh_stale_at_most_every_minute`), so
    that no page waits for a refresh and a GET writes nothing before it answers. The WSGI server calls the
    response's closers once the body is out. With a worker and beat, the pass runs every minute and pages
    only read."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        response._resource_closers.append(_refresh_quietly)
    return response


def _refresh_quietly() -> None:
    try:
        rollups.refresh_stale_at_most_every_minute()
    except Exception:  # the reader already has their page: log, and the next pass tries again
        logger.exception("roll-up refresh after a dashboard response failed")


def _ics_owner(ics) -> dict:
    """The owner line of a system, trust, service or pathway view: the ICS's lead for patient experience."""
    return {
        "owner": ics.px_lead if ics and ics.px_lead_id and ics.px_lead.is_active else None,
        "owner_role": f"{ics.name} lead for patient experience" if ics else "",
    }


def _as_of() -> dict:
    return {"figures_as_of": rollups.figures_as_of()}


def _names(organisations) -> dict[int, str]:
    return {org.pk: org.display_name for org in organisations}


def _query(request) -> str:
    """The filters, carried along a drill-down link."""
    return f"?{request.GET.urlencode()}" if request.GET else ""


def _template(request, name: str) -> str:
    return f"dashboards/{name}.html#body" if request.htmx else f"dashboards/{name}.html"


def _services_for_setting(org_ids, setting: str | None):
    if not setting:
        return None
    return list(
        Service.objects.filter(organisation_id__in=org_ids, fft_setting=setting).values_list("pk", flat=True)
    )


def _theme_tiles(org_ids, service_ids, period, names, *, limit=4, summaries=None):
    if summaries is None:
        summaries = selectors.theme_summaries(org_ids, service_ids, period)
    summaries = summaries[:limit]
    trends = selectors.theme_trends([s.theme.pk for s in summaries], org_ids, service_ids, period)
    return [
        {
            "summary": summary,
            "chart": charts.trend_chart(
                f"{summary.theme.name}: mentions and net sentiment", trends[summary.theme.pk]
            ),
            "quotes": quote_picker.representative_quotes(
                theme_id=summary.theme.pk,
                org_ids=org_ids,
                service_ids=service_ids,
                period=period,
                org_names=names,
                mix=summary.mix,
            ),
        }
        for summary in summaries
    ]


def _short(name: str) -> str:
    """A trust's name without the words every trust shares, for chart labels."""
    for suffix in (" NHS Foundation Trust", " NHS Trust", " Foundation Trust"):
        name = name.removesuffix(suffix)
    return name


def _heatmap(grid: selectors.Heatmap):
    return charts.heatmap(
        "Share of mentions that were negative, by theme and trust",
        [theme.name for theme in grid.themes],
        [_short(name) for _, name in grid.columns],
        grid.values,
    )


def _spc(title: str, trend):
    return charts.spc_chart(title, selectors.spc_points(trend), higher_is_better=True, unit="%")


@login_required
def index(request):
    return render(
        request,
        "dashboards/index.html",
        {
            "system": reads_system(request.user),
            "organisations": visible_organisations(request.user),
            "dashboards": builder.dashboards_for(request.user),
            "can_manage": manages_any_ics(request.user),
            "breadcrumbs": [HOME],
        },
    )


@login_required
@vary_on_headers("HX-Request")
def system(request):
    ics = system_ics_or_404(request.user)
    organisations = list(visible_organisations(request.user).filter(ics=ics))
    form = FilterForm(
        request.GET or None, organisations=Organisation.objects.filter(pk__in=[o.pk for o in organisations])
    )
    period = form.period()
    chosen = form.value("organisation")
    if chosen:
        organisations = [o for o in organisations if o.pk == chosen.pk]
    names = _names(organisations)
    org_ids = list(names)
    service_ids = _services_for_setting(org_ids, form.value("setting"))
    by_org = selectors.fft_by(org_ids, service_ids, period, by="organisation_id")
    trusts = []
    for org in organisations:
        counts, latest = by_org.get(org.pk, (selectors.FFTCounts(), selectors.FFTCounts()))
        trusts.append(
            {
                "label": org.display_name,
                "url": reverse("dashboards:organisation", args=[org.ods_code]) + _query(request),
                "organisation": org,
                "figures": selectors.fft_figures(counts),
                "latest": selectors.latest_percent(latest),
            }
        )
    awaiting_count, awaiting = quote_picker.safety_concerns_awaiting(request.user, org_ids)
    summaries = selectors.theme_summaries(org_ids, service_ids, period)
    context = {
        "ics": ics,
        "form": form,
        "period": period,
        "query": request.GET.urlencode(),
        "spc": _spc(
            f"{ics.name}: FFT % positive by month", selectors.fft_trend(org_ids, service_ids, period)
        ),
        "trusts": trusts,
        "table_caption": f"FFT by trust, {period.label}",
        "fft_old": selectors.fft_old_question(org_ids, service_ids, period),
        "heatmap": _heatmap(
            selectors.negative_heatmap(names, period, service_ids=service_ids, summaries=summaries)
        ),
        "rising": selectors.rising_themes(org_ids, period),
        "awaiting_count": awaiting_count,
        "awaiting": awaiting,
        "follow_up": follow_up.follow_up_for(
            org_ids, period, scope_name=chosen.display_name if chosen else ics.name
        ),
        "tiles": _theme_tiles(org_ids, service_ids, period, names, summaries=summaries),
        "pathways": Pathway.objects.filter(ics=ics),
        "funnels": funnel_views.system_funnels(
            request,
            organisations=organisations,
            period=period,
            service_ids=service_ids,
            setting=form.value("setting"),
        ),
        **_ics_owner(ics),
        "breadcrumbs": [HOME, DASHBOARDS],
    }
    return _refresh_after(render(request, _template(request, "system"), {**context, **_as_of()}))


@login_required
@vary_on_headers("HX-Request")
def organisation(request, ods_code: str):
    org = organisation_or_404(request.user, ods_code)
    form = FilterForm(request.GET or None)
    period = form.period()
    names = {org.pk: org.display_name}
    service_list = list(org.services.filter(active=True).order_by("name"))
    setting = form.value("setting")
    service_ids = _services_for_setting([org.pk], setting)
    by_service = selectors.fft_by([org.pk], service_ids, period, by="service_id")
    rows = []
    for service in service_list:
        if service_ids is not None and service.pk not in service_ids:
            continue
        counts, latest = by_service.get(service.pk, (selectors.FFTCounts(), selectors.FFTCounts()))
        rows.append(
            {
                "label": service.name,
                "url": reverse("dashboards:service", args=[org.ods_code, service.public_id])
                + _query(request),
                "service": service,
                "figures": selectors.fft_figures(counts),
                "latest": selectors.latest_percent(latest),
            }
        )
    awaiting_count, awaiting = quote_picker.safety_concerns_awaiting(request.user, [org.pk])
    ics = org.ics
    context = {
        "organisation": org,
        "form": form,
        "period": period,
        "query": request.GET.urlencode(),
        "spc": _spc(
            f"{org.display_name}: FFT % positive by month", selectors.fft_trend([org.pk], service_ids, period)
        ),
        "services": rows,
        "table_caption": f"FFT by service, {period.label}",
        "fft_old": selectors.fft_old_question([org.pk], service_ids, period),
        "rising": selectors.rising_themes([org.pk], period),
        "awaiting_count": awaiting_count,
        "awaiting": awaiting,
        "follow_up": follow_up.follow_up_for([org.pk], period, scope_name=org.display_name),
        "tiles": _theme_tiles([org.pk], service_ids, period, names),
        "funnels": funnel_views.organisation_funnels(
            request, organisation=org, period=period, service_ids=service_ids, setting=setting
        ),
        **_ics_owner(ics),
        "breadcrumbs": _crumbs(request.user, org),
    }
    return _refresh_after(render(request, _template(request, "organisation"), {**context, **_as_of()}))


def _crumbs(user, org=None):
    crumbs = [HOME, DASHBOARDS]
    if reads_system(user):
        crumbs.append(("System view", reverse("dashboards:system")))
    if org is not None:
        crumbs.append((org.display_name, reverse("dashboards:organisation", args=[org.ods_code])))
    return crumbs


@login_required
@vary_on_headers("HX-Request")
def service(request, ods_code: str, public_id):
    org = organisation_or_404(request.user, ods_code)
    svc = get_object_or_404(Service, organisation=org, public_id=public_id)
    form = PeriodForm(request.GET or None)
    period = form.period()
    names = {org.pk: org.display_name}
    trend = selectors.fft_trend([org.pk], [svc.pk], period)
    total = selectors.FFTCounts()
    for _, counts in trend:
        total = selectors.FFTCounts(
            *(a + b for a, b in zip(total.as_tuple(), counts.as_tuple(), strict=True))
        )
    ics = org.ics
    context = {
        "organisation": org,
        "service": svc,
        "form": form,
        "period": period,
        "query": request.GET.urlencode(),
        "spc": _spc(f"{svc.name}: FFT % positive by month", trend),
        "figures": selectors.fft_figures(total),
        "fft_old": selectors.fft_old_question([org.pk], [svc.pk], period),
        "tiles": _theme_tiles([org.pk], [svc.pk], period, names, limit=3),
        **_ics_owner(ics),
        "breadcrumbs": _crumbs(request.user, org),
    }
    return _refresh_after(render(request, _template(request, "service"), {**context, **_as_of()}))


@login_required
@vary_on_headers("HX-Request")
def pathway(request, pk: int):
    ics = system_ics_or_404(request.user)
    path = get_object_or_404(Pathway, pk=pk, ics=ics)
    form = PeriodForm(request.GET or None)
    period = form.period()
    context = {
        "pathway": path,
        "form": form,
        "period": period,
        "query": request.GET.urlencode(),
        "stages": selectors.pathway_stages(path, period),
        **_ics_owner(ics),
        "breadcrumbs": _crumbs(request.user),
    }
    return _refresh_after(render(request, _template(request, "pathway"), {**context, **_as_of()}))


@login_required
@vary_on_headers("HX-Request")
def equality(request):
    organisations = visible_organisations(request.user)
    if not organisations.exists():
        raise Http404
    form = EqualityFilterForm(request.GET or None, organisations=organisations)
    period = form.period()
    chosen = form.value("organisation")
    org_list = [chosen] if chosen else list(organisations)
    org_ids = [o.pk for o in org_list]
    characteristic = form.characteristic_value()
    rows, has_population = equality_selectors.equality_fft(org_ids, period, characteristic)
    groups, theme_table = equality_selectors.equality_themes(org_ids, period, characteristic)
    context = {
        "form": form,
        "period": period,
        "query": request.GET.urlencode(),
        "scope_label": chosen.display_name if chosen else "All organisations you can see",
        "characteristic": characteristic_label(characteristic),
        "rows": rows,
        "has_population": has_population,
        "groups": groups,
        "theme_table": theme_table,
        "threshold": selectors.THRESHOLD,
        "breadcrumbs": [HOME, DASHBOARDS],
    }
    return _refresh_after(render(request, _template(request, "equality"), {**context, **_as_of()}))


@login_required
def owners(request):
    ics = system_ics_or_404(request.user)
    return render(
        request,
        "dashboards/owners.html",
        {"ics": ics, "register": ownership_register(ics), "breadcrumbs": [HOME, DASHBOARDS]},
    )


@login_required
def theme(request, pk: int):
    """One theme across the person's reach: trend, by organisation, and stories."""
    organisations = list(visible_organisations(request.user))
    if not organisations:
        raise Http404
    theme_obj = get_object_or_404(Theme, pk=pk)
    if theme_obj.ics_id and theme_obj.ics_id not in {o.ics_id for o in organisations}:
        raise Http404
    form = FilterForm(
        request.GET or None, organisations=Organisation.objects.filter(pk__in=[o.pk for o in organisations])
    )
    period = form.period()
    chosen = form.value("organisation")
    orgs = [chosen] if chosen else organisations
    names = _names(orgs)
    org_ids = list(names)
    trend = selectors.theme_trend(theme_obj.pk, org_ids, None, period)
    return render(
        request,
        "dashboards/theme.html",
        {
            "theme": theme_obj,
            "form": form,
            "period": period,
            "chart": charts.trend_chart(f"{theme_obj.name}: mentions and net sentiment", trend),
            "quotes": quote_picker.representative_quotes(
                theme_id=theme_obj.pk, org_ids=org_ids, service_ids=None, period=period, org_names=names, n=6
            ),
            "breadcrumbs": _crumbs(request.user),
        },
    )
