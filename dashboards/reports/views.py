"""Board-report pages: the list, asking for a report (scope, period, the stories to quote), its page with
progress over htmx, and the downloads. Reach is checked here and in the selectors; outsiders get 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
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

from . import follow_up as report_follow_up
from . import selectors, services, signoff
from . import stories as report_stories
from .availability import quotes_withdrawn
from .forms import ReportScopeForm, StorySelectionForm
from .models import CONTENT_TYPES, ReportFile, ReportFormat, ReportSection, ReportStatus, SignOff
from .summary import short_quotes

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
        period = form.cleaned_data["period"]
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
        "can_regenerate": bool(withdrawn) and _may_remake(request.user, report),
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
        context.update(_signoff_context(request.user, report, withdrawn))
        context["quoted"] = report_stories.report_quotes(report.quoted_story_ids, selectors.scope_org_ids(
            report.ics, report.organisation), Period(report.period_first, report.period_last))  # fmt: skip
        context["critical_quotes"] = short_quotes(context["quoted"])
        context["follow_up"] = report_follow_up.for_page(report.summary.get("follow_up"))
    return render(request, "reports/report_detail.html", context)


def _signoff_context(user, report, withdrawn) -> dict:
    sections = list(
        ReportSection.objects.filter(report=report).select_related("owner", "icb_owner", "approved_by")
    )
    open_ = report.signoff == SignOff.DRAFT and not withdrawn
    return {
        "sections": [(section, open_ and not section.approved and signoff.may_approve(user, report, section))
                     for section in sections],
        "is_report_owner": signoff.is_report_owner(user, report),
        "can_release": report.signoff == SignOff.APPROVED and not withdrawn
        and signoff.is_report_owner(user, report),
        "approved_count": sum(1 for s in sections if s.approved),
        "signoff_colour": {SignOff.DRAFT: "yellow", SignOff.APPROVED: "blue"}.get(report.signoff, "green"),
    }  # fmt: skip


def _may_remake(user, report) -> bool:
    """Whoever may make a report of this scope may make this one again."""
    key = report.organisation.ods_code if report.organisation_id else f"ics-{report.ics_id}"
    return any(choice.key == key for choice in selectors.generation_scopes(user))


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


def _back(report):
    return redirect("reports:detail", uid=report.uid)


def _confirmed(request) -> bool:
    return request.method == "POST" and request.POST.get("confirm") == "yes"


@login_required
@require_http_methods(["GET", "POST"])
def section_approve(request, uid, key):
    """Approve one section, asked first. Its owner, or the report's owner on their behalf; anyone else 404."""
    report = selectors.report_get_for(request.user, uid=uid)
    section = ReportSection.objects.filter(report=report, key=key).select_related("owner").first()
    if section is None or not signoff.may_approve(request.user, report, section):
        raise Http404
    if _confirmed(request):
        try:
            signoff.section_approve(report=report, key=key, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        except PermissionDenied:
            raise Http404 from None
        else:
            report.refresh_from_db()
            done = ""
            if report.signoff == SignOff.APPROVED:
                done = " All sections are approved: the report can be released."
            messages.success(request, f"You approved “{section.title}”.{done}")
        return _back(report)
    if report.signoff != SignOff.DRAFT or section.approved or signoff.signable(report):
        messages.error(request, signoff.signable(report) or f"“{section.title}” is already approved.")
        return _back(report)
    context = {"report": report, "section": section, "on_behalf": section.owner_id != request.user.pk,
               "breadcrumbs": BREADCRUMBS}  # fmt: skip
    return render(request, "reports/section_approve.html", context)


def _not_releasable(report) -> str:
    if report.signoff == SignOff.RELEASED:
        return "This report is already released."
    if report.signoff == SignOff.DRAFT:
        return "Every section must be approved before the report is released."
    return signoff.signable(report)


@login_required
@require_http_methods(["GET", "POST"])
def report_release(request, uid):
    """Release an approved report to the board, asked first. The report's owner only; anyone else 404."""
    report = selectors.report_get_for(request.user, uid=uid)
    if not signoff.is_report_owner(request.user, report):
        raise Http404
    if _confirmed(request):
        try:
            people = signoff.report_release(report=report, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Released to the board. {len(people)} board member"
                             f"{'s were' if len(people) != 1 else ' was'} emailed a link.")  # fmt: skip
        return _back(report)
    if why := _not_releasable(report):
        messages.error(request, why)
        return _back(report)
    context = {"report": report, "board": signoff.board_members(report), "breadcrumbs": BREADCRUMBS}
    return render(request, "reports/report_release.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def report_regenerate(request, uid):
    """Make the report again after a consent withdrawal, asked first: it goes back to draft."""
    report = selectors.report_get_for(request.user, uid=uid)
    if not _may_remake(request.user, report):
        raise Http404
    withdrawn = quotes_withdrawn(report) if report.status == ReportStatus.DONE else []
    if _confirmed(request):
        try:
            signoff.report_regenerate(report=report, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "The report is being made again. It is a draft until it is signed off.")
        return _back(report)
    if not withdrawn:
        messages.error(request, "Nothing this report quotes has been withdrawn: there is nothing to remake.")
        return _back(report)
    context = {"report": report, "withdrawn": withdrawn, "breadcrumbs": BREADCRUMBS}
    return render(request, "reports/report_regenerate.html", context)
