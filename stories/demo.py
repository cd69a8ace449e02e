"""Demo stories for the Kent and Medway demo ICS: about thirty, across its trusts, good and bad, a few safety
concerns, a mix of consent, and a stroke pathway (ambulance → emergency department → stroke unit →
rehabilitation → community) with stories at its stages. Deterministic and idempotent: each story has a demo
id, and a story already loaded is left alone."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from insight_hub.organisations.demo import DEMO_ICB
from insight_hub.organisations.models import Organisation, Role, Service

from . import pathway_services, services
from .models import ImportSource, Pathway, PathwayStage, SafetyConcern, Story, StoryStatus

STROKE_STAGES = [
    ("Ambulance response", "RYD", "999 emergency response"),
    ("Emergency department", "RVV", "Emergency department"),
    ("Hyper-acute stroke unit", "RVV", "Ward 7 (stroke unit)"),
    ("Stroke rehabilitation", "RYY", "Stroke rehabilitation"),
    ("Community care at home", "RYY", "District nursing"),
]


@dataclass(frozen=True)
class DemoStory:
    ods: str
    service: str
    teller: str
    channel: str
    title: str
    narrative: str
    months_ago: int
    consent: str = "internal"  # "none", "internal", "board", "all", "withdrawn"
    status: str = StoryStatus.SHARED
    concern: str = ""
    stages: tuple[int, ...] = ()


DEMO_STORIES = [
    DemoStory(
        ods="RYD",
        service="999 emergency response",
        teller="family",
        channel="interview",
        title="The paramedics knew straight away",
        narrative=(
            "When my husband Peter's face dropped at breakfast I rang 999. The crew were with us in "
            "twelve minutes, recognised the stroke at once and phoned ahead to the hospital. They "
            "talked to him the whole way, which kept me calm too."
        ),
        months_ago=3,
        consent="all",
        stages=(1,),
    ),
    DemoStory(
        ods="RYD",
        service="999 emergency response",
        teller="patient",
        channel="care_opinion",
        title="A long wait on the floor",
        narrative=(
            "I fell at home and could not get up. The call handler was kind but it was five hours "
            "before an ambulance came. By then I was cold and frightened. The crew apologised and "
            "were very gentle."
        ),
        months_ago=5,
        consent="board",
        stages=(1,),
    ),
    DemoStory(
        ods="RYD",
        service="Patient transport service",
        teller="patient",
        channel="pals",
        title="Transport missed my dialysis slot",
        narrative=(
            "Patient transport arrived an hour late three times this month, so my dialysis started "
            "late and I got home after dark. Nobody rang to tell me the car was delayed."
        ),
        months_ago=2,
        status=StoryStatus.SUBMITTED,
    ),
    DemoStory(
        ods="RVV",
        service="Emergency department",
        teller="carer",
        channel="interview",
        title="Seen quickly, then forgotten",
        narrative=(
            "Mum was triaged within ten minutes and a scan was done in under an hour, which was "
            "brilliant. Then she waited fourteen hours on a trolley in the corridor without a drink "
            "or help to the toilet. She is 89 and was left in wet sheets."
        ),
        months_ago=4,
        consent="all",
        concern=SafetyConcern.SAFETY,
        stages=(2,),
    ),
    DemoStory(
        ods="RVV",
        service="Emergency department",
        teller="patient",
        channel="survey",
        title="Clear explanations in A&E",
        narrative=(
            "The doctor explained what the tests were for and what would happen next. I felt listened"
            " to and knew who to ask when I had questions."
        ),
        months_ago=1,
        consent="board",
        stages=(2,),
    ),
    DemoStory(
        ods="RVV",
        service="Ward 7 (stroke unit)",
        teller="family",
        channel="engagement_event",
        title="The stroke unit gave us hope",
        narrative=(
            "On Ward 7 the speech and language therapist spent time teaching us how to help Dad eat "
            "safely. The nurses always told us what the plan was. We felt part of his care."
        ),
        months_ago=3,
        consent="all",
        stages=(3,),
    ),
    DemoStory(
        ods="RVV",
        service="Ward 7 (stroke unit)",
        teller="patient",
        channel="interview",
        title="Nobody told me what had happened",
        narrative=(
            "For two days I did not know I had had a stroke. Staff were busy and kind, but every "
            "person said a doctor would explain later. I was scared and could not find the words to "
            "ask."
        ),
        months_ago=3,
        stages=(3,),
    ),
    DemoStory(
        ods="RVV",
        service="Ward 7 (stroke unit)",
        teller="family",
        channel="complaint",
        title="Discharged without a care plan",
        narrative=(
            "My wife was sent home on a Friday evening with no equipment and no visit arranged. She "
            "fell that night. The discharge letter said carers were in place but nobody had been "
            "booked."
        ),
        months_ago=2,
        concern=SafetyConcern.SAFETY,
        stages=(3, 5),
    ),
    DemoStory(
        ods="RVV",
        service="Maternity unit",
        teller="patient",
        channel="care_opinion",
        title="Brilliant midwives on the night shift",
        narrative=(
            "The midwives on the night my daughter was born were calm, funny and so reassuring. They "
            "respected my birth plan and explained every decision."
        ),
        months_ago=6,
        consent="all",
    ),
    DemoStory(
        ods="RVV",
        service="Maternity unit",
        teller="patient",
        channel="pals",
        title="Felt dismissed when I said something was wrong",
        narrative=(
            "I told staff three times that my baby was moving less. I was told it was normal and sent"
            " home. The next day we were admitted as an emergency. Please listen to mothers."
        ),
        months_ago=4,
        concern=SafetyConcern.SAFETY,
    ),
    DemoStory(
        ods="RVV",
        service="Outpatient clinics",
        teller="patient",
        channel="survey",
        title="Appointment letters in plain English",
        narrative=(
            "The new letters are much clearer and the text reminder helped. Parking is still very hard."
        ),
        months_ago=1,
        consent="board",
    ),
    DemoStory(
        ods="RVV",
        service="Outpatient clinics",
        teller="patient",
        channel="interview",
        title="An interpreter made all the difference",
        narrative=(
            "My first language is Polish. This time an interpreter was booked before the appointment "
            "and I understood my treatment for the first time."
        ),
        months_ago=2,
        consent="all",
    ),
    DemoStory(
        ods="RVV",
        service="Emergency department",
        teller="staff",
        channel="engagement_event",
        title="Staff want to give better care",
        narrative=(
            "As a nurse in the department I hate leaving older patients in corridors. We need more "
            "space and more porters at night, not more posters."
        ),
        months_ago=2,
    ),
    DemoStory(
        ods="RVV",
        service="Ward 7 (stroke unit)",
        teller="patient",
        channel="interview",
        title="Draft: therapy at weekends",
        narrative=("There was no physio at weekends so I lost two days of rehabilitation each week."),
        months_ago=1,
        consent="none",
        status=StoryStatus.DRAFT,
        stages=(3,),
    ),
    DemoStory(
        ods="RPA",
        service="Emergency department",
        teller="patient",
        channel="care_opinion",
        title="Kindness from the receptionist",
        narrative=(
            "The receptionist noticed I was struggling, found me a wheelchair and checked on me while"
            " I waited."
        ),
        months_ago=2,
        consent="all",
    ),
    DemoStory(
        ods="RPA",
        service="Maternity unit",
        teller="family",
        channel="complaint",
        title="Partner sent home at night",
        narrative=(
            "I was sent home at 10pm while my partner was in labour and frightened. She needed me there."
        ),
        months_ago=5,
    ),
    DemoStory(
        ods="RPA",
        service="Outpatient clinics",
        teller="patient",
        channel="pals",
        title="Cancelled twice by text",
        narrative=(
            "My clinic appointment was cancelled twice by text message the day before, with no number"
            " to call."
        ),
        months_ago=3,
        consent="board",
    ),
    DemoStory(
        ods="RPA",
        service="Ward 7 (stroke unit)",
        teller="carer",
        channel="interview",
        title="Safeguarding worry about bruising",
        narrative=(
            "When I visited my brother I found bruises on his arms that nobody could explain. He has "
            "dementia and cannot tell us what happened."
        ),
        months_ago=1,
        status=StoryStatus.SUBMITTED,
        concern=SafetyConcern.SAFEGUARDING,
    ),
    DemoStory(
        ods="RPA",
        service="Emergency department",
        teller="patient",
        channel="social_media",
        title="Consent withdrawn after sharing",
        narrative=("A story about a long wait that the person later asked us not to use."),
        months_ago=7,
        consent="withdrawn",
    ),
    DemoStory(
        ods="RYY",
        service="Stroke rehabilitation",
        teller="patient",
        channel="interview",
        title="Walking again by Christmas",
        narrative=(
            "The physiotherapists set small goals every week and celebrated each one with me. I "
            "walked to the shop by Christmas. I cannot thank the team enough."
        ),
        months_ago=2,
        consent="all",
        stages=(4,),
    ),
    DemoStory(
        ods="RYY",
        service="Stroke rehabilitation",
        teller="family",
        channel="survey",
        title="Rehab stopped too soon",
        narrative=(
            "Dad had six weeks of therapy and then it simply stopped. He was still improving. We were"
            " not told what would happen next or who to call."
        ),
        months_ago=1,
        consent="board",
        stages=(4, 5),
    ),
    DemoStory(
        ods="RYY",
        service="District nursing",
        teller="patient",
        channel="interview",
        title="District nurses who never rushed",
        narrative=(
            "The district nurses came every day to dress my leg. They never rushed and always asked "
            "how I was coping, not just about the wound."
        ),
        months_ago=3,
        consent="all",
        stages=(5,),
    ),
    DemoStory(
        ods="RYY",
        service="District nursing",
        teller="carer",
        channel="pals",
        title="Visits at unpredictable times",
        narrative=(
            "The nurses come any time between 8am and 6pm so I cannot leave the house to shop or see "
            "friends. A rough time slot would help carers a lot."
        ),
        months_ago=2,
        stages=(5,),
    ),
    DemoStory(
        ods="RXY",
        service="Community mental health team",
        teller="patient",
        channel="engagement_event",
        title="Finally someone listened",
        narrative=(
            "After years of being passed around, my care coordinator took time to understand me. I "
            "have a crisis plan that I wrote with her."
        ),
        months_ago=4,
        consent="all",
    ),
    DemoStory(
        ods="RXY",
        service="Acute inpatient ward",
        teller="advocate",
        channel="interview",
        title="Restraint used without explanation",
        narrative=(
            "The person I support was restrained on the ward and nobody explained why afterwards. "
            "They are now afraid to go back into hospital."
        ),
        months_ago=2,
        concern=SafetyConcern.SAFEGUARDING,
    ),
    DemoStory(
        ods="RXY",
        service="Community mental health team",
        teller="family",
        channel="complaint",
        title="Waiting list with no support",
        narrative=(
            "My son has waited eleven months for therapy with no contact in between. We feel forgotten."
        ),
        months_ago=3,
        consent="board",
    ),
    DemoStory(
        ods="RN7",
        service="Outpatient clinics",
        teller="patient",
        channel="survey",
        title="Quick and friendly fracture clinic",
        narrative=("In and out in forty minutes, with a clear explanation of my X-ray. Lovely staff."),
        months_ago=1,
        consent="all",
    ),
    DemoStory(
        ods="RN7",
        service="Maternity unit",
        teller="patient",
        channel="care_opinion",
        title="Breastfeeding support at home",
        narrative=(
            "The infant feeding team rang me at home and visited twice. Without them I would have given up."
        ),
        months_ago=5,
        consent="all",
    ),
    DemoStory(
        ods="RWF",
        service="Emergency department",
        teller="patient",
        channel="social_media",
        title="Noisy, cold and confusing",
        narrative=(
            "The waiting room was freezing, the screens did not work and nobody told us how long the "
            "wait was."
        ),
        months_ago=2,
    ),
    DemoStory(
        ods="RPG",
        service="Emergency department",
        teller="patient",
        channel="survey",
        title="Good care for my child",
        narrative=("The children's area was calm and the nurse used a toy to explain the plaster to my son."),
        months_ago=3,
        consent="board",
    ),
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
