"""Commitment and review pages of a charter: add, change and remove commitments (system administrators),
read one commitment with its evidence, record reviews with actions (ICB leads), mark an action done. Each
finds the commitment within the person's reach first (outsiders get 404)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from insight_hub.forms import add_service_errors
from insight_hub.periods import Period
from stories.models import ActionStatus

from . import selectors, services
from .forms import ActionFormSet, CommitmentForm, PeriodForm, ReviewForm
from .models import CharterStatus
from .views import ADOPTED_HINT, _charter_crumbs, _evidence_context, _require_set_up

# --- Commitments ---------------------------------------------------------------------------------------


def _commitment_form_page(request, charter, form, commitment=None):
    title = f"Change commitment {commitment.order}" if commitment else "Add a commitment"
    hint = ADOPTED_HINT if charter.status == CharterStatus.ADOPTED else ""
    return render(
        request,
        "charters/commitment_form.html",
        {
            "form": form,
            "title": title,
            "hint": hint,
            "charter": charter,
            "breadcrumbs": _charter_crumbs(charter),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def commitment_create(request, pk: int):
    charter = selectors.charter_get_or_404(request.user, pk)
    _require_set_up(request.user, charter)
    if charter.status == CharterStatus.SUPERSEDED:
        raise PermissionDenied("A superseded charter cannot change.")
    form = CommitmentForm(request.POST or None, ics=charter.ics)
    if request.method == "POST" and form.is_valid():
        try:
            commitment = services.commitment_save(charter=charter, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            flags = services.commitment_flags(commitment)
            messages.success(
                request, f"Commitment {commitment.order} saved." + (f" {' '.join(flags)}" if flags else "")
            )
            return redirect("charters:detail", pk=commitment.charter_id)
    return _commitment_form_page(request, charter, form)


@login_required
@require_http_methods(["GET", "POST"])
def commitment_edit(request, pk: int):
    commitment = selectors.commitment_get_or_404(request.user, pk)
    charter = commitment.charter
    _require_set_up(request.user, charter)
    if charter.status == CharterStatus.SUPERSEDED:
        raise PermissionDenied("A superseded charter cannot change.")
    initial = {
        "text": commitment.text,
        "category": commitment.category,
        "owner": commitment.owner,
        "themes": list(commitment.themes.all()),
        "metrics": [m.key for m in commitment.metrics.select_related("organisation")],
        "target_percent": commitment.target_percent,
        "cadence_months": commitment.cadence_months,
        "change_outcome": commitment.change_outcome,
        "change_note": commitment.change_note,
    }
    form = CommitmentForm(request.POST or None, ics=charter.ics, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.commitment_save(
                charter=charter, user=request.user, commitment=commitment, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if saved.charter_id != charter.pk:
                messages.success(
                    request,
                    f"Your change is in version {saved.charter.version}, a new draft. "
                    f"Version {charter.version} stays adopted until it is adopted.",
                )
            else:
                messages.success(request, f"Commitment {saved.order} saved.")
            return redirect("charters:detail", pk=saved.charter_id)
    return _commitment_form_page(request, charter, form, commitment)


@login_required
@require_POST
def commitment_remove(request, pk: int):
    commitment = selectors.commitment_get_or_404(request.user, pk)
    charter = commitment.charter
    _require_set_up(request.user, charter)
    try:
        services.commitment_remove(commitment=commitment)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"Commitment {commitment.order} removed; the others are renumbered.")
    return redirect("charters:detail", pk=charter.pk)


@login_required
@vary_on_headers("HX-Request")
def commitment_detail(request, pk: int):
    commitment = selectors.commitment_get_or_404(request.user, pk)
    charter = commitment.charter
    period_form = PeriodForm(request.GET or None)
    period = period_form.period()
    reviews = list(
        commitment.reviews.select_related("recorded_by").prefetch_related(
            "actions__owner", "actions__organisation"
        )
    )
    context = {
        "charter": charter,
        "commitment": commitment,
        "flags": services.commitment_flags(commitment),
        "period": period,
        "period_form": period_form,
        "reviews": reviews,
        "next_review_due": commitment.next_review_due(reviews=reviews)
        if charter.status == CharterStatus.ADOPTED
        else None,
        "can_review": charter.status == CharterStatus.ADOPTED
        and selectors.can_review(request.user, charter.ics_id),
        "can_set_up": selectors.can_set_up(request.user, charter.ics_id),
        "user_id": request.user.pk,
        "today": timezone.localdate(),
        "breadcrumbs": _charter_crumbs(charter),
        **_evidence_context(request.user, commitment, period),
    }
    # With htmx, the period filter swaps only the evidence (`#evidence-body`), its error summary and fields
    # coming along out of band (components/filter_swap.html); without it the page reloads.
    template = "charters/commitment_detail.html" + ("#evidence" if request.htmx else "")
    return render(request, template, context)


# --- Reviews -------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def review_create(request, pk: int):
    commitment = selectors.commitment_get_or_404(request.user, pk)
    charter = commitment.charter
    if not selectors.can_review(request.user, charter.ics_id):
        raise Http404  # reviews are recorded by the ICS's ICB leads
    if charter.status != CharterStatus.ADOPTED:
        raise PermissionDenied("Only commitments of the adopted charter are reviewed.")
    form = ReviewForm(request.POST or None)
    actions = ActionFormSet(request.POST or None, form_kwargs={"ics": charter.ics}, prefix="actions")
    if request.method == "POST" and form.is_valid() and actions.is_valid():
        data = form.cleaned_data
        rows = [f.cleaned_data for f in actions.forms if f.cleaned_data.get("description", "").strip()]
        try:
            services.review_record(
                commitment=commitment,
                user=request.user,
                status=data["status"],
                narrative=data["narrative"],
                period=Period.complete_months(data["months"]),
                actions=rows,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"Review of commitment {commitment.order} recorded, with the evidence as it stands today.",
            )
            return redirect("charters:commitment_detail", pk=commitment.pk)
    return render(
        request,
        "charters/review_form.html",
        {
            "form": form,
            "actions": actions,
            "error_forms": [form, *actions.forms][:6],
            "commitment": commitment,
            "charter": charter,
            "breadcrumbs": [
                *_charter_crumbs(charter),
                (
                    f"Commitment {commitment.order}",
                    reverse("charters:commitment_detail", args=[commitment.pk]),
                ),
            ],
        },
    )


@login_required
@require_POST
def action_done(request, pk: int):
    action = selectors.action_get_or_404(request.user, pk)
    ics_id = action.review.commitment.charter.ics_id
    if action.owner_id != request.user.pk and not selectors.can_review(request.user, ics_id):
        raise Http404  # only the action's owner or an ICB lead marks it done
    if action.status != ActionStatus.DONE:
        services.action_complete(action=action, user=request.user)
        messages.success(request, "Action marked as done.")
    return redirect("charters:commitment_detail", pk=action.review.commitment_id)
