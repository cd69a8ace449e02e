"""Emerging themes pages: the ICS's candidates, one candidate, and a decision on it (ICB leads only)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from insight_hub import limits

from . import emerging
from .models import CandidateStatus

ACTIONS = ("accept", "rename", "merge", "dismiss")


def _candidate_or_404(user, pk: int):
    if not emerging.may_review_candidates(user):
        raise Http404
    return get_object_or_404(emerging.candidates_for(user), pk=pk)


@login_required
def candidate_list(request):
    if not emerging.may_review_candidates(request.user):
        raise Http404
    candidates = emerging.candidates_for(request.user)
    return render(
        request,
        "themes/emerging_list.html",
        {
            "open": candidates.filter(status=CandidateStatus.OPEN),
            "decided": candidates.exclude(status=CandidateStatus.OPEN).order_by("-pk")[:50],
            "breadcrumbs": [("Home", "/")],
        },
    )


@login_required
def candidate_detail(request, pk: int, error: str | None = None, status: int = 200):
    candidate = _candidate_or_404(request.user, pk)
    others = emerging.candidates_for(request.user).filter(ics=candidate.ics, status=CandidateStatus.OPEN)
    return render(
        request,
        "themes/emerging_detail.html",
        {
            "candidate": candidate,
            "is_open": candidate.status == CandidateStatus.OPEN,
            "others": others.exclude(pk=candidate.pk),
            "decisions": candidate.decisions.select_related("user"),
            "error": error,
            "breadcrumbs": [("Home", "/"), ("Emerging themes", "/themes/emerging/")],
        },
        status=status,
    )


@login_required
@require_POST
def candidate_decide(request, pk: int):
    candidate = _candidate_or_404(request.user, pk)
    action = request.POST.get("action")
    if action not in ACTIONS:
        return candidate_detail(request, pk, error="Choose accept, rename, merge or dismiss.", status=400)
    name = request.POST.get("name", "")
    try:
        if action == "accept":
            theme = emerging.candidate_accept(user=request.user, candidate=candidate, name=name or None)
            messages.success(
                request, f"{theme.name} is now a local theme; matching texts are being re-tagged."
            )
        elif action == "rename":
            emerging.candidate_rename(user=request.user, candidate=candidate, name=name)
            messages.success(request, "Candidate renamed.")
        elif action == "dismiss":
            emerging.candidate_dismiss(user=request.user, candidate=candidate)
            messages.success(request, "Candidate dismissed; its words will not be suggested again.")
        else:
            into_id = limits.id_or_none(request.POST.get("into"))
            into = emerging.candidates_for(request.user).filter(pk=into_id).first() if into_id else None
            if into is None:
                raise ValidationError({"into": "Choose the candidate to merge into."})
            emerging.candidate_merge(user=request.user, candidate=candidate, into=into)
            messages.success(request, f"Merged into {into.name}.")
            return redirect("themes:emerging_detail", pk=into.pk)
    except ValidationError as exc:
        return candidate_detail(request, pk, error="; ".join(exc.messages), status=400)
    return redirect("themes:emerging_detail", pk=candidate.pk)
