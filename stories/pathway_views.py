"""Pathways: a patient's journey read stage by stage across organisations (set up by the ICS's system
administrator)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from insight_hub.forms import add_service_errors
from insight_hub.organisations.permissions import scope_for

from . import pathway_services, selectors
from .forms import PathwayForm, StageForm
from .views import FORM_FIELD_FOR, HOME, STORIES, _audit_original_titles, _form_page


@login_required
def pathway_list(request):
    return render(
        request,
        "stories/pathway_list.html",
        {
            "pathways": selectors.pathways_for(request.user).prefetch_related("stages__organisation"),
            "can_manage": bool(scope_for(request.user).admin_ics_ids),
            "breadcrumbs": [HOME, STORIES],
        },
    )


@login_required
def pathway_detail(request, pk: int):
    pathway = selectors.pathway_get_for(request.user, pk=pk)
    journey = selectors.pathway_journey(request.user, pathway)
    _audit_original_titles(request, {story for _, stories in journey for story in stories}, "pathway")
    return render(
        request,
        "stories/pathway_detail.html",
        {
            "pathway": pathway,
            "journey": journey,
            "can_manage": pathway.ics_id in scope_for(request.user).admin_ics_ids,
            "breadcrumbs": [HOME, STORIES, ("Pathways", reverse("stories:pathway_list"))],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def pathway_create(request):
    if not scope_for(request.user).admin_ics_ids:
        raise Http404
    form = PathwayForm(request.POST or None, user=request.user)
    if form.is_valid():
        pathway = pathway_services.pathway_create(**form.cleaned_data)
        return redirect("stories:pathway_detail", pk=pathway.pk)
    crumbs = [HOME, STORIES, ("Pathways", reverse("stories:pathway_list"))]
    return _form_page(request, form=form, title="Add a pathway", submit="Add pathway", crumbs=crumbs)


@login_required
@require_http_methods(["GET", "POST"])
def pathway_stage_add(request, pk: int):
    pathway = selectors.pathway_get_for(request.user, pk=pk)
    if pathway.ics_id not in scope_for(request.user).admin_ics_ids:
        raise Http404
    form = StageForm(request.POST or None, pathway=pathway)
    if form.is_valid():
        try:
            pathway_services.pathway_stage_add(pathway=pathway, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, field_for=FORM_FIELD_FOR)
        else:
            return redirect("stories:pathway_detail", pk=pathway.pk)
    crumbs = [
        HOME,
        STORIES,
        ("Pathways", reverse("stories:pathway_list")),
        (pathway.name, f"/stories/pathways/{pk}/"),
    ]
    return _form_page(
        request, form=form, title="Add a stage", caption=pathway.name, submit="Add stage", crumbs=crumbs
    )
