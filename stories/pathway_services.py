"""Services for patient pathways: the stages a person passes through, across organisations of one ICS."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from insight_hub.organisations.models import Organisation, Service

from .models import Pathway, PathwayStage


@transaction.atomic
def pathway_create(*, ics, name: str, description: str = "") -> Pathway:
    pathway = Pathway(ics=ics, name=name, description=description)
    pathway.full_clean()
    pathway.save()
    return pathway


@transaction.atomic
def pathway_stage_add(
    *, pathway: Pathway, name: str, organisation: Organisation, service: Service | None = None
) -> PathwayStage:
    """Add a stage at the end of the pathway."""
    if organisation.ics_id != pathway.ics_id:
        raise ValidationError({"organisation": f"Choose an organisation in {pathway.ics}"})
    if service is not None and service.organisation_id != organisation.pk:
        raise ValidationError({"service": f"Choose a service of {organisation.display_name}"})
    last = pathway.stages.order_by("-order").values_list("order", flat=True).first() or 0
    stage = PathwayStage(
        pathway=pathway, order=last + 1, name=name, organisation=organisation, service=service
    )
    stage.full_clean()
    stage.save()
    return stage
