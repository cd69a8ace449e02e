"""Charter pages. Each finds the charter within the person's reach first (outsiders get 404), then checks
what they may do to it: system administrators set up and co-design, ICB leads review, trust people read.
The public page needs no sign-in and shows no personal data."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from dashboards import charts
from insight_hub.forms import add_service_errors
from insight_hub.organisations.models import ICS
from insight_hub.organisations.permissions import scope_for
from insight_hub.periods import Period

from . import selectors, services
from .forms import (
    CharterForm,
    DraftCommentForm,
    EventForm,
    ParticipantForm,
    PeriodForm,
)
from .models import Charter, CharterStatus, Commitment

HOME = ("Home", "/")
CHARTERS = ("Charters", "/charters/")
ADOPTED_HINT = (
    "This charter is adopted: saving starts a new draft version with your change. "
    "The adopted version stays in force until the new one is adopted."
)


def _charter_crumbs(charter: Charter) -> list[tuple[str, str]]:
    return [
        HOME,
        CHARTERS,
        (f"{charter.title} (version {charter.version})", reverse("charters:detail", args=[charter.pk])),
    ]


def _require_set_up(user, charter_or_ics) -> None:
    ics_id = charter_or_ics.ics_id if isinstance(charter_or_ics, Charter) else charter_or_ics.pk
    if not selectors.can_set_up(user, ics_id):
        raise Http404  # only the ICS's system administrators set up charters: for anyone else it is not there


def _chart_key(*parts) -> str:
    return "chart-" + "-".join(str(p) for p in parts)


def _evidence_context(user, commitment: Commitment, period: Period) -> dict:
    """The evidence under one commitment, with its charts, for the person's reach."""
    org_names, whole = selectors.evidence_reach(user, commitment.charter.ics)
    evidence = selectors.commitment_evidence(commitment, period, org_names, whole_ics=whole)
    metric_charts = [
        charts.spc_chart(
            f"{m.label}, by month",
            m.points,
            higher_is_better=True,
            unit="%",
            target=m.target,
            key=_chart_key("c", commitment.pk, "m", m.metric.pk),
        )
        for m in evidence.metrics
    ]
    theme_charts = [
        charts.trend_chart(
            f"{t.theme.name}: mentions and net sentiment",
            t.months,
            key=_chart_key("c", commitment.pk, "t", t.theme.pk),
        )
        for t in evidence.themes
    ]
    return {
        "evidence": evidence,
        "metric_rows": list(zip(evidence.metrics, metric_charts, strict=True)),
        "theme_rows": list(zip(evidence.themes, theme_charts, strict=True)),
    }


def _commitment_rows(user, charter: Charter, period: Period, *, with_evidence: bool) -> list[dict]:
    rows = []
    for commitment in charter.commitments.select_related("owner").prefetch_related(
        "themes", "metrics__organisation"
    ):
        row = {
            "commitment": commitment,
            "flags": services.commitment_flags(commitment),
            "next_review_due": commitment.next_review_due()
            if charter.status == CharterStatus.ADOPTED
            else None,
            "progress": None,
        }
        if with_evidence:
            row.update(_evidence_context(user, commitment, period))
        rows.append(row)
    return rows


# --- Lists and charters --------------------------------------------------------------------------------


@login_required
def charter_list(request):
    ics_ids = selectors.readable_ics_ids(request.user)
    scope = scope_for(request.user)
    systems = []
    for ics in ICS.objects.filter(pk__in=ics_ids).order_by("name"):
        systems.append(
            {
                "ics": ics,
                "charters": list(ics.charters.order_by("-version")),
                "can_set_up": ics.pk in scope.admin_ics_ids,
            }
        )
    return render(request, "charters/charter_list.html", {"systems": systems, "breadcrumbs": [HOME]})


@login_required
@require_http_methods(["GET", "POST"])
def charter_create(request):
    scope = scope_for(request.user)
    if not selectors.readable_ics_ids(request.user):
        raise Http404
    ics = ICS.objects.filter(pk__in=scope.admin_ics_ids).order_by("name").first()
    if ics is None:
        raise Http404  # only the ICS's system administrators set up charters
    form = CharterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            charter = services.charter_create(ics=ics, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Charter started as a draft. Add its commitments next.")
            return redirect("charters:detail", pk=charter.pk)
    return render(
        request,
        "components/form_page.html",
        {
            "form": form,
            "title": f"Start a charter for {ics.name}",
            "submit": "Start the charter",
            "breadcrumbs": [HOME, CHARTERS],
        },
    )


@login_required
def charter_detail(request, pk: int):
    charter = selectors.charter_get_or_404(request.user, pk)
    period_form = PeriodForm(request.GET or None)
    period = period_form.period()
    adopted = charter.status == CharterStatus.ADOPTED
    context = {
        "charter": charter,
        "period": period,
        "period_form": period_form,
        "rows": _commitment_rows(request.user, charter, period, with_evidence=adopted),
        "can_set_up": selectors.can_set_up(request.user, charter.ics_id),
        "can_review": selectors.can_review(request.user, charter.ics_id),
        "adoption_problems": services.adoption_problems(charter) if charter.is_editable else [],
        "next_version": Charter.objects.filter(previous=charter).first(),
        "breadcrumbs": [HOME, CHARTERS],
    }
    if adopted:
        progress = {
            p.commitment_id: p
            for p in selectors.charter_progress(
                ics=charter.ics, first=period.first, last=timezone.localdate()
            )
        }
        for row in context["rows"]:
            row["progress"] = progress.get(row["commitment"].pk)
            if row["progress"] is not None:  # counts the reviews of the same promise in earlier versions
                row["next_review_due"] = row["progress"].next_review_due
    return render(request, "charters/charter_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def charter_edit(request, pk: int):
    charter = selectors.charter_get_or_404(request.user, pk)
    _require_set_up(request.user, charter)
    if charter.status == CharterStatus.SUPERSEDED:
        raise PermissionDenied("A superseded charter cannot change.")
    form = CharterForm(request.POST or None, initial={"title": charter.title, "summary": charter.summary})
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.charter_update(charter=charter, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if changed.pk != charter.pk:
                messages.success(
                    request,
                    f"Version {changed.version} started as a draft with your changes. "
                    f"Version {charter.version} stays adopted until this one is adopted.",
                )
            else:
                messages.success(request, "Charter updated.")
            return redirect("charters:detail", pk=changed.pk)
    hint = ADOPTED_HINT if charter.status == CharterStatus.ADOPTED else ""
    return render(
        request,
        "components/form_page.html",
        {
            "form": form,
            "title": "Change the charter",
            "hint": hint,
            "submit": "Save",
            "breadcrumbs": _charter_crumbs(charter),
        },
    )


@login_required
@require_POST
def charter_consultation(request, pk: int):
    charter = selectors.charter_get_or_404(request.user, pk)
    _require_set_up(request.user, charter)
    try:
        services.charter_open_consultation(charter=charter)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, "The charter is now in consultation. Record the comments you receive on each commitment."
        )
    return redirect("charters:detail", pk=charter.pk)


@login_required
@require_POST
def charter_adopt(request, pk: int):
    charter = selectors.charter_get_or_404(request.user, pk)
    _require_set_up(request.user, charter)
    try:
        services.charter_adopt(charter=charter, user=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"Version {charter.version} adopted. Its public page is now live.")
    return redirect("charters:detail", pk=charter.pk)


@login_required
@require_POST
def charter_revise(request, pk: int):
    charter = selectors.charter_get_or_404(request.user, pk)
    _require_set_up(request.user, charter)
    try:
        new = services.charter_new_version(charter=charter, user=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("charters:detail", pk=charter.pk)
    messages.success(
        request, f"Version {new.version} is a draft. The adopted version stays in force until it is adopted."
    )
    return redirect("charters:detail", pk=new.pk)


# --- Co-design -----------------------------------------------------------------------------------------


def _codesign_page(request, charter, *, participant_form=None, event_form=None, status=200):
    can_set_up = selectors.can_set_up(request.user, charter.ics_id)
    commitments = charter.commitments.prefetch_related("draft_comments__participant", "draft_comments__event")
    return render(
        request,
        "charters/codesign.html",
        {
            "charter": charter,
            "participants": charter.participants.select_related("organisation"),
            "events": charter.events.all(),
            "reached": sum(e.people_reached for e in charter.events.all()),
            "commitments": commitments,
            "can_record": can_set_up and charter.is_editable,
            "participant_form": participant_form or ParticipantForm(ics=charter.ics),
            "event_form": event_form or EventForm(),
            "error_forms": [f for f in (participant_form, event_form) if f is not None],
            "breadcrumbs": _charter_crumbs(charter),
        },
        status=status,
    )


@login_required
def codesign(request, pk: int):
    charter = selectors.charter_get_or_404(request.user, pk)
    return _codesign_page(request, charter)


@login_required
@require_POST
def participant_add(request, pk: int):
    charter = selectors.charter_get_or_404(request.user, pk)
    _require_set_up(request.user, charter)
    form = ParticipantForm(request.POST, ics=charter.ics, prefix=None)
    if form.is_valid():
        try:
            services.participant_add(charter=charter, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{form.cleaned_data['name']} added to who took part.")
            return redirect("charters:codesign", pk=charter.pk)
    return _codesign_page(request, charter, participant_form=form, status=400)


@login_required
@require_POST
def event_add(request, pk: int):
    charter = selectors.charter_get_or_404(request.user, pk)
    _require_set_up(request.user, charter)
    form = EventForm(request.POST)
    if form.is_valid():
        try:
            services.event_add(charter=charter, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Event “{form.cleaned_data['title']}” recorded.")
            return redirect("charters:codesign", pk=charter.pk)
    return _codesign_page(request, charter, event_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def comment_add(request, pk: int):
    commitment = selectors.commitment_get_or_404(request.user, pk)
    charter = commitment.charter
    _require_set_up(request.user, charter)
    form = DraftCommentForm(request.POST or None, charter=charter)
    if request.method == "POST" and form.is_valid():
        try:
            services.draft_comment_add(commitment=commitment, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Comment on commitment {commitment.order} recorded.")
            return redirect("charters:codesign", pk=charter.pk)
    return render(
        request,
        "components/form_page.html",
        {
            "form": form,
            "title": f"Record a comment on commitment {commitment.order}",
            "caption": commitment.text,
            "submit": "Record the comment",
            "breadcrumbs": _charter_crumbs(charter),
        },
    )


# --- Public --------------------------------------------------------------------------------------------


def public_current(request, ods_code: str):
    """A lasting address for an ICS's charter (by its ICB's ODS code), for posters and websites: it leads to
    whichever version is adopted now."""
    charter = selectors.adopted_charter_for_icb(ods_code)
    return redirect("charters:public", public_id=charter.public_id)


def public(request, public_id):
    """The adopted charter for anyone: no sign-in, no names, no email addresses, no story text."""
    charter = selectors.public_charter_or_404(public_id)
    current = selectors.adopted_charter(charter.ics) if charter.status == CharterStatus.SUPERSEDED else None
    commitments = []
    for commitment in charter.commitments.prefetch_related("reviews__actions"):
        latest = commitment.reviews.first()
        commitments.append(
            {
                "commitment": commitment,
                "latest": latest,
                "actions": list(latest.actions.all()) if latest else [],
                "comments": commitment.draft_comments.count(),
            }
        )
    return render(
        request,
        "charters/public.html",
        {
            "charter": charter,
            "current": current,
            "commitments": commitments,
            "participants": charter.participants.all(),
            "events": charter.events.all(),
            "reached": sum(e.people_reached for e in charter.events.all()),
        },
    )
