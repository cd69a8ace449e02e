"""Board-report pages: the list, asking for a report (scope, period, the stories to quote), its page with
progress over htmx, and the downloads. Reach is checked here and in the selectors; outsiders get 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from insight_hub.forms import add_service_errors
from insight_hub.periods import Period
from insight_hub.privacy import audit
from insight_hub.privacy.models import AuditAction

from . import selectors, services
from . import stories as report_stories
from .availability import quotes_withdrawn
from .forms import ReportScopeForm, StorySelectionForm
from .models import CONTENT_TYPES, ReportFile, ReportFormat, ReportStatus

BREADCRUMBS = [("Home", "/"), ("Board reports", "/reports/")]


@login_required
@require_GET
def report_list(request):
    return render(
        request,
        "reports/report_list.html",
        {
            "reports": selectors.reports_for(request.user)[:50],
            "can_generate": bool(selectors.generation_scopes(request.user)),
            "breadcrumbs": BREADCRUMBS[:1],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_new(request):
    scopes = selectors.generation_scopes(request.user)
    if not scopes:
        raise Http404  # board members and administrators read reports; they do not make them
    data = request.POST if request.method == "POST" else (request.GET if "scope" in request.GET else None)
    form = ReportScopeForm(data, scopes=scopes)
    context = {"form": form, "error_forms": [form], "breadcrumbs": BREADCRUMBS}
    if form.is_valid():
        choice = form.cleaned_data["choice"]
        period = Period(form.cleaned_data["first"], form.cleaned_data["last"])
        org_ids = selectors.scope_org_ids(choice.ics, choice.organisation)
        mix = report_stories.collected_mix(org_ids, period)
        default = report_stories.default_selection(org_ids, period, form.cleaned_data["quote_count"], mix)
        candidates = report_stories.selection_candidates(org_ids, period, default)
        selection = StorySelectionForm(
            request.POST if request.method == "POST" else None,
            candidates=candidates,
            initial={"stories": default},
        )
        if request.method == "POST" and selection.is_valid():
            chosen = selection.cleaned_data["stories"]
            # The default selection is stored as "default" and worked out again when the report is made.
            custom = None if sorted(chosen) == sorted(default) else chosen
            try:
                report = services.report_request(
                    user=request.user,
                    ics=choice.ics,
                    organisation=choice.organisation,
                    first=period.first,
                    last=period.last,
                    quote_count=form.cleaned_data["quote_count"],
                    chosen_story_ids=custom,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return redirect("reports:detail", uid=report.uid)
        context["error_forms"] = [form, selection]
        context.update(
            {
                "choice": choice,
                "period": period,
                "selection": selection,
                "mix": selectors.stories_by_stratum(mix),
                "collected": sum(mix.values()),
                "default_count": len(default),
            }
        )
    return render(request, "reports/report_new.html", context)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def report_detail(request, uid):
    report = selectors.report_get_for(request.user, uid=uid)
    withdrawn = quotes_withdrawn(report) if report.status == ReportStatus.DONE else []
    context = {
        "report": report,
        "formats": [] if withdrawn else _formats(report),
        "withdrawn": withdrawn,
        "remake_url": _remake_url(report),
        "breadcrumbs": BREADCRUMBS,
    }
    if request.htmx:
        return render(request, "reports/report_detail.html#progress", context)
    audit.record(request.user, AuditAction.REPORT_VIEWED, report, organisation=report.audit_organisation)
    if report.status == ReportStatus.DONE:
        context["summary_rows"] = [
            ("Asked for by", f"{_person(report.requested_by)}, {report.requested_at:%-d %B %Y %H:%M}"),
            ("Stories quoted", "chosen by a person" if report.custom_selection else "the default selection"),
            ("Stories collected in the period", f"{report.stories_collected or 0:,}"),
            ("Critical stories collected", _percent(report.critical_collected_percent)),
            ("Critical stories quoted", _percent(report.critical_quoted_percent)),
        ]
        context["quoted"] = report_stories.report_quotes(report.quoted_story_ids, selectors.scope_org_ids(
            report.ics, report.organisation), Period(report.period_first, report.period_last))  # fmt: skip
    return render(request, "reports/report_detail.html", context)


def _remake_url(report) -> str:
    """The form to make the report again, for the same scope, period and number of quotes."""
    scope = report.organisation.ods_code if report.organisation_id else f"ics-{report.ics_id}"
    query = {
        "scope": scope,
        "first_month": report.period_first.isoformat(),
        "last_month": report.period_last.isoformat(),
        "quote_count": report.quote_count,
    }
    return f"{reverse('reports:new')}?{urlencode(query)}"


def _person(user) -> str:
    return (user.get_full_name() or user.email) if user else "the system"


def _percent(value) -> str:
    return "–" if value is None else f"{round(value)}%"


def _formats(report) -> list[tuple[str, str, int]]:
    sizes = dict(ReportFile.objects.filter(report=report).values_list("format", "size"))
    return [(fmt.value, fmt.label, sizes[fmt.value]) for fmt in ReportFormat if fmt.value in sizes]


@login_required
@require_GET
def report_download(request, uid, fmt):
    report = selectors.report_get_for(request.user, uid=uid)
    if fmt not in ReportFormat.values:
        raise Http404
    stored = ReportFile.objects.filter(report=report, format=fmt, report__status=ReportStatus.DONE).first()
    if stored is None:
        raise Http404  # still being made, failed or expired: the report's page says which
    if withdrawn := quotes_withdrawn(report):
        # A teller withdrew consent after the file was made: the file quotes them, so it is not handed out
        # again. 410: it existed and is gone for good; the page explains and offers to make it again.
        context = {"report": report, "withdrawn": withdrawn, "remake_url": _remake_url(report),
                   "breadcrumbs": BREADCRUMBS}  # fmt: skip
        return render(request, "reports/report_file_gone.html", context, status=410)
    audit.record(request.user, AuditAction.REPORT_DOWNLOADED, report, organisation=report.audit_organisation,
                 format=fmt, report=str(report.uid))  # fmt: skip
    response = HttpResponse(bytes(stored.content), content_type=CONTENT_TYPES[ReportFormat(fmt)])
    name = f"board-report-{report.organisation.ods_code if report.organisation_id else 'ics'}-" \
           f"{report.period_first:%Y-%m}-to-{report.period_last:%Y-%m}.{fmt}"  # fmt: skip
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
