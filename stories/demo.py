"""Demo stories for the Kent and Medway demo ICS: about thirty, across its trusts, good and bad, a few safety
concerns, a mix of consent, and a stroke pathway (ambulance → emergency department → stroke unit →
rehabilitation → community) with stories at its stages. Deterministic and idempotent: each story has a demo
id, and a story already loaded is left alone. The stories' words are in ``demo_data``."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from insight_hub.organisations.demo import DEMO_ICB
from insight_hub.organisations.models import Organisation, Role, Service

from . import pathway_services, services
from .demo_data import DEMO_STORIES
from .models import ImportSource, Pathway, PathwayStage, Story, StoryStatus

STROKE_STAGES = [
    ("Ambulance response", "RYD", "999 emergency response"),
    ("Emergency department", "RVV", "Emergency department"),
    ("Hyper-acute stroke unit", "RVV", "Ward 7 (stroke unit)"),
    ("Stroke rehabilitation", "RYY", "Stroke rehabilitation"),
    ("Community care at home", "RYY", "District nursing"),
]


CONSENT = {
    "none": None,
    "internal": {"internal_learning": True, "board_quote": False, "publication": False},
    "board": {"internal_learning": True, "board_quote": True, "publication": False},
    "all": {"internal_learning": True, "board_quote": True, "publication": True},
    "withdrawn": {"internal_learning": True, "board_quote": True, "publication": False},
}


def _months_ago(months: int) -> datetime.date:
    today = timezone.localdate().replace(day=1)
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return datetime.date(year, month + 1, 1)


def _stroke_pathway(ics) -> list[PathwayStage]:
    pathway, _ = Pathway.objects.get_or_create(
        ics=ics,
        name="Stroke",
        defaults={
            "description": "From the 999 call to life at home after a stroke, across three organisations."
        },
    )
    if not pathway.stages.exists():
        for name, ods, service_name in STROKE_STAGES:
            organisation = Organisation.objects.get(ods_code=ods)
            pathway_services.pathway_stage_add(
                pathway=pathway,
                name=name,
                organisation=organisation,
                service=Service.objects.filter(organisation=organisation, name=service_name).first(),
            )
    return list(pathway.stages.order_by("order"))


@transaction.atomic
def demo_stories_load() -> str:
    ics = Organisation.objects.get(ods_code=DEMO_ICB).ics_led
    stages = _stroke_pathway(ics)
    User = get_user_model()
    created = 0
    for number, demo in enumerate(DEMO_STORIES, start=1):
        external_id = f"demo-{number:02d}"
        organisation = Organisation.objects.get(ods_code=demo.ods)
        if Story.objects.filter(
            organisation=organisation, import_source=ImportSource.DEMO, external_id=external_id
        ).exists():
            continue
        px_lead = User.objects.filter(
            memberships__organisation=organisation, memberships__role=Role.PX_LEAD
        ).first()
        story = services.story_create(
            user=px_lead,
            organisation=organisation,
            title=demo.title,
            narrative=demo.narrative,
            teller=demo.teller,
            occurred_on=_months_ago(demo.months_ago),
            occurred_precision="month",
            source_channel=demo.channel,
            services=Service.objects.filter(organisation=organisation, name=demo.service),
            stages=[stages[index - 1] for index in demo.stages],
            import_source=ImportSource.DEMO,
            external_id=external_id,
        )
        if consent := CONSENT[demo.consent]:
            services.story_consent_record(story=story, user=px_lead, note="Demo data", **consent)
        if demo.status in {StoryStatus.SUBMITTED, StoryStatus.SHARED}:
            services.story_status_set(story=story, status=StoryStatus.SUBMITTED)
        if demo.status == StoryStatus.SHARED:
            services.story_status_set(story=story, status=StoryStatus.SHARED)
        if demo.consent == "withdrawn":
            services.story_consent_withdraw(story=story, user=px_lead, withdrawn_on=timezone.localdate())
        if demo.concern:
            services.story_flag(story=story, user=px_lead, concern=demo.concern)
        created += 1
    existing = len(DEMO_STORIES) - created
    return f"{created} stories created, {existing} already there; stroke pathway with {len(stages)} stages"
