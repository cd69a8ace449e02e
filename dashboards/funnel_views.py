"""The funnel plots of the system view and of a trust's page: each view adds one context entry,
`"funnels": system_funnels(...)` or `organisation_funnels(...)`, which `dashboards/partials/_funnels.html`
draws.

The organisations passed in are those the view has already checked the person may read; the chosen theme
(`?funnel_theme=`, the theme chooser) is only ever one of the themes mentioned within them, so an odd value
falls back to the most mentioned theme rather than failing.
"""

from __future__ import annotations

from insight_hub.organisations.models import Organisation, Service
from insight_hub.periods import Period

from . import funnel_selectors as select
from .funnel import funnel
from .funnel_charts import CASE_MIX_NOTE, funnel_chart

PARAM = "funnel_theme"
SERVICE_CASE_MIX = (
    "Services see different people for different reasons: a maternity ward and an emergency department "
    "are not alike, so compare a service with the ICS as a whole with care, and with itself over time "
    "first. A point outside the limits is a reason to look closer, not a verdict."
)
THEME_CASE_MIX = (
    "How often a theme comes up depends on who answers and on what they were asked: a survey asking "
    "\u201cwhat could we do better?\u201d hears more about waiting than one asking "
    "\u201cwhat went well?\u201d, and some services are "
    "about waiting. Themes are found by a computer model, checked by people in part."
)
NATIONAL_CASE_MIX = (
    "These are NHS England's published figures. Trusts differ in size, in the patients they see and in how "
    "they ask (text message, paper, tablet), and each of these changes who answers and what they say. A "
    "point outside the limits is a reason to look closer, not a verdict."
)


def _chosen_theme(request, choices):
    """The theme the chooser names, if it is among `choices`; otherwise the most mentioned one."""
    wanted = request.GET.get(PARAM, "")
    for theme, _ in choices:
        if str(theme.pk) == wanted:
            return theme
    return choices[0][0] if choices else None


def _kept_params(request) -> list[tuple[str, str]]:
    """The page's other filters, carried as hidden fields by the theme chooser."""
    return [(key, value) for key, value in request.GET.items() if key != PARAM]


def _theme_charts(theme, counts, labels, targets, *, unit_label: str, first_column: str, key: str) -> list:
    rate_target, negative_target = targets
    rates, negatives = select.theme_points(counts, labels)
    charts = []
    if rates and rate_target is not None:
        charts.append(
            funnel_chart(
                f"{theme.name}: comments mentioning it per 1,000 comments, by {unit_label}",
                funnel(rates, target=rate_target, target_label="ICS value"),
                value_label="Mentions",
                denominator_label="comments",
                per=1000,
                key=f"{key}-rate",
                first_column=first_column,
                case_mix=THEME_CASE_MIX,
            )
        )
    if negatives and negative_target is not None:
        charts.append(
            funnel_chart(
                f"{theme.name}: share of its mentions that were negative, by {unit_label}",
                funnel(negatives, target=negative_target, target_label="ICS value"),
                value_label="% negative",
                denominator_label="mentions",
                key=f"{key}-negative",
                first_column=first_column,
                case_mix=THEME_CASE_MIX,
            )
        )
    return charts


def _national_charts(org_ids, period: Period, setting, *, suffix: str) -> list:
    charts = []
    for entry in select.national_fft(org_ids, period, setting=setting):
        target = entry.target
        if target is None:
            continue
        charts.append(
            funnel_chart(
                f"{entry.label} FFT % positive among all English trusts",
                funnel(entry.points, target=target, target_label="England value"),
                value_label="% positive",
                denominator_label="responses",
                key=f"funnel-national-{entry.setting}-{entry.touchpoint or 'all'}",
                first_column="Trust",
                highlight=entry.ours,
                highlight_suffix=suffix,
                case_mix=NATIONAL_CASE_MIX,
            )
        )
    return charts


def system_funnels(request, *, organisations, period: Period, service_ids, setting) -> dict:
    """The system view's funnels: its trusts' FFT and the chosen theme around the ICS value, and its trusts
    among all English trusts where NHS England's figures are loaded. `organisations`: the trusts shown."""
    labels = {org.pk: org.display_name for org in organisations}
    org_ids = list(labels)
    return _funnels(
        request,
        shown=(org_ids, service_ids),
        pooled=(org_ids, service_ids),
        by="organisation_id",
        labels=labels,
        unit="trust",
        case_mix=CASE_MIX_NOTE,
        period=period,
        setting=setting,
        national_suffix=" (this ICS)",
    )


def organisation_funnels(
    request, *, organisation: Organisation, period: Period, service_ids, setting
) -> dict:
    """A trust's funnels: its services around the ICS value (the whole ICS pooled, same setting), and the
    trust among all English trusts where NHS England's figures are loaded."""
    services = Service.objects.filter(organisation=organisation, active=True).order_by("name")
    if service_ids is not None:
        services = services.filter(pk__in=service_ids)
    labels = {service.pk: service.name for service in services}
    ics_ids = select.ics_organisation_ids(organisation)
    ics_services = (
        list(
            Service.objects.filter(organisation_id__in=ics_ids, fft_setting=setting).values_list(
                "pk", flat=True
            )
        )
        if setting
        else None
    )
    return _funnels(
        request,
        shown=([organisation.pk], list(labels)),
        pooled=(ics_ids, ics_services),
        by="service_id",
        labels=labels,
        unit="service",
        case_mix=SERVICE_CASE_MIX,
        period=period,
        setting=setting,
        national_suffix=" (this trust)",
    )


def _funnels(
    request,
    *,
    shown,
    pooled,
    by: str,
    labels,
    unit: str,
    case_mix: str,
    period: Period,
    setting,
    national_suffix,
) -> dict:
    """The funnels of one page. `shown`: the (organisation ids, service ids or None) whose units are plotted,
    one point per `by` (`labels` names each); `pooled`: the (organisation ids, service ids or None) whose
    pooled value is the target line; `unit`: what a point is ("trust", "service")."""
    org_ids, service_ids = shown
    first_column = unit.capitalize()
    fft = select.fft_points(org_ids, service_ids, period, by=by, labels=labels)
    target = select.ics_fft_target(*pooled, period)
    charts = []
    if fft and target is not None:
        charts.append(
            funnel_chart(
                f"FFT % positive by {unit}, against the number of responses",
                funnel(fft, target=target, target_label="ICS value"),
                value_label="% positive",
                denominator_label="responses",
                key="funnel-fft",
                first_column=first_column,
                case_mix=case_mix,
            )
        )
    choices = select.theme_choices(org_ids, service_ids, period)
    theme = _chosen_theme(request, choices)
    theme_charts = []
    if theme is not None:
        counts = select.theme_counts(theme.pk, org_ids, service_ids, period, by=by)
        pooled_counts = select.theme_counts(theme.pk, *pooled, period, by=None).get(None)
        theme_charts = _theme_charts(
            theme,
            counts,
            labels,
            select.pooled_targets(pooled_counts),
            unit_label=unit,
            first_column=first_column,
            key="funnel-theme",
        )
    return {
        "fft": charts,
        "theme": theme,
        "theme_choices": choices,
        "theme_charts": theme_charts,
        "kept_params": _kept_params(request),
        "param": PARAM,
        "national": _national_charts(org_ids, period, setting, suffix=national_suffix),
        "unit": unit,
    }
