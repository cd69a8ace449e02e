"""The demo stories: thirty patient stories for the Kent and Medway demo ICS (loaded by ``stories.demo``).

Their words are in ``data/demo_stories.md``, written for the demo (no real story's text, no real person's
name) in the style of real published stories: first person, told at some length, thanks with detail, and
criticism that says what happened. ``polarity`` is what each story is meant to be (praise or critical), so
that how the tagger reads it can be checked; the tagger never trains on these stories.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .models import SafetyConcern, StoryStatus

NARRATIVES_FILE = Path(__file__).resolve().parent / "data" / "demo_stories.md"


def read_narratives(path: Path = NARRATIVES_FILE) -> dict[str, str]:
    """Title → story text from the file's ``## title`` sections; a paragraph's lines are joined, blank
    lines between paragraphs kept as one."""
    text = re.sub(r"<!--.*?-->", "", path.read_text(encoding="utf-8"), flags=re.S)
    narratives = {}
    for section in re.split(r"^## ", text, flags=re.M)[1:]:
        title, _, body = section.partition("\n")
        paragraphs = [" ".join(p.split()) for p in body.strip().split("\n\n")]
        narratives[title.strip()] = "\n\n".join(p for p in paragraphs if p)
    return narratives


NARRATIVES = read_narratives()


@dataclass(frozen=True)
class DemoStory:
    ods: str
    service: str
    teller: str
    channel: str
    title: str
    months_ago: int
    polarity: str  # "praise" or "critical": what the story is meant to be
    consent: str = "internal"  # "none", "internal", "board", "all", "withdrawn"
    status: str = StoryStatus.SHARED
    concern: str = ""
    stages: tuple[int, ...] = ()

    @property
    def narrative(self) -> str:
        return NARRATIVES[self.title]


DEMO_STORIES = [
    DemoStory(
        ods="RYD",
        service="999 emergency response",
        teller="family",
        channel="interview",
        title="The paramedics knew straight away",
        months_ago=3,
        polarity="praise",
        consent="all",
        stages=(1,),
    ),
    DemoStory(
        ods="RYD",
        service="999 emergency response",
        teller="patient",
        channel="care_opinion",
        title="A long wait on the floor",
        months_ago=5,
        polarity="critical",
        consent="board",
        stages=(1,),
    ),
    DemoStory(
        ods="RYD",
        service="Patient transport service",
        teller="patient",
        channel="pals",
        title="Transport missed my dialysis slot",
        months_ago=2,
        polarity="critical",
        status=StoryStatus.SUBMITTED,
    ),
    DemoStory(
        ods="RVV",
        service="Emergency department",
        teller="carer",
        channel="interview",
        title="Seen quickly, then forgotten",
        months_ago=4,
        polarity="critical",
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
        months_ago=1,
        polarity="praise",
        consent="board",
        stages=(2,),
    ),
    DemoStory(
        ods="RVV",
        service="Ward 7 (stroke unit)",
        teller="family",
        channel="engagement_event",
        title="The stroke unit gave us hope",
        months_ago=3,
        polarity="praise",
        consent="all",
        stages=(3,),
    ),
    DemoStory(
        ods="RVV",
        service="Ward 7 (stroke unit)",
        teller="patient",
        channel="interview",
        title="Nobody told me what had happened",
        months_ago=3,
        polarity="critical",
        stages=(3,),
    ),
    DemoStory(
        ods="RVV",
        service="Ward 7 (stroke unit)",
        teller="family",
        channel="complaint",
        title="Discharged without a care plan",
        months_ago=2,
        polarity="critical",
        concern=SafetyConcern.SAFETY,
        stages=(3, 5),
    ),
    DemoStory(
        ods="RVV",
        service="Maternity unit",
        teller="patient",
        channel="care_opinion",
        title="Brilliant midwives on the night shift",
        months_ago=6,
        polarity="praise",
        consent="all",
    ),
    DemoStory(
        ods="RVV",
        service="Maternity unit",
        teller="patient",
        channel="pals",
        title="Felt dismissed when I said something was wrong",
        months_ago=4,
        polarity="critical",
        concern=SafetyConcern.SAFETY,
    ),
    DemoStory(
        ods="RVV",
        service="Outpatient clinics",
        teller="patient",
        channel="survey",
        title="Appointment letters in plain English",
        months_ago=1,
        polarity="praise",
        consent="board",
    ),
    DemoStory(
        ods="RVV",
        service="Outpatient clinics",
        teller="patient",
        channel="interview",
        title="An interpreter made all the difference",
        months_ago=2,
        polarity="praise",
        consent="all",
    ),
    DemoStory(
        ods="RVV",
        service="Emergency department",
        teller="staff",
        channel="engagement_event",
        title="Staff want to give better care",
        months_ago=2,
        polarity="critical",
    ),
    DemoStory(
        ods="RVV",
        service="Ward 7 (stroke unit)",
        teller="patient",
        channel="interview",
        title="Draft: therapy at weekends",
        months_ago=1,
        polarity="critical",
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
        months_ago=2,
        polarity="praise",
        consent="all",
    ),
    DemoStory(
        ods="RPA",
        service="Maternity unit",
        teller="family",
        channel="complaint",
        title="Partner sent home at night",
        months_ago=5,
        polarity="critical",
    ),
    DemoStory(
        ods="RPA",
        service="Outpatient clinics",
        teller="patient",
        channel="pals",
        title="Cancelled twice by text",
        months_ago=3,
        polarity="critical",
        consent="board",
    ),
    DemoStory(
        ods="RPA",
        service="Ward 7 (stroke unit)",
        teller="carer",
        channel="interview",
        title="Safeguarding worry about bruising",
        months_ago=1,
        polarity="critical",
        status=StoryStatus.SUBMITTED,
        concern=SafetyConcern.SAFEGUARDING,
    ),
    DemoStory(
        ods="RPA",
        service="Emergency department",
        teller="patient",
        channel="social_media",
        title="Consent withdrawn after sharing",
        months_ago=7,
        polarity="critical",
        consent="withdrawn",
    ),
    DemoStory(
        ods="RYY",
        service="Stroke rehabilitation",
        teller="patient",
        channel="interview",
        title="Walking again by Christmas",
        months_ago=2,
        polarity="praise",
        consent="all",
        stages=(4,),
    ),
    DemoStory(
        ods="RYY",
        service="Stroke rehabilitation",
        teller="family",
        channel="survey",
        title="Rehab stopped too soon",
        months_ago=1,
        polarity="critical",
        consent="board",
        stages=(4, 5),
    ),
    DemoStory(
        ods="RYY",
        service="District nursing",
        teller="patient",
        channel="interview",
        title="District nurses who never rushed",
        months_ago=3,
        polarity="praise",
        consent="all",
        stages=(5,),
    ),
    DemoStory(
        ods="RYY",
        service="District nursing",
        teller="carer",
        channel="pals",
        title="Visits at unpredictable times",
        months_ago=2,
        polarity="critical",
        stages=(5,),
    ),
    DemoStory(
        ods="RXY",
        service="Community mental health team",
        teller="patient",
        channel="engagement_event",
        title="Finally someone listened",
        months_ago=4,
        polarity="praise",
        consent="all",
    ),
    DemoStory(
        ods="RXY",
        service="Acute inpatient ward",
        teller="advocate",
        channel="interview",
        title="Restraint used without explanation",
        months_ago=2,
        polarity="critical",
        concern=SafetyConcern.SAFEGUARDING,
    ),
    DemoStory(
        ods="RXY",
        service="Community mental health team",
        teller="family",
        channel="complaint",
        title="Waiting list with no support",
        months_ago=3,
        polarity="critical",
        consent="board",
    ),
    DemoStory(
        ods="RN7",
        service="Outpatient clinics",
        teller="patient",
        channel="survey",
        title="Quick and friendly fracture clinic",
        months_ago=1,
        polarity="praise",
        consent="all",
    ),
    DemoStory(
        ods="RN7",
        service="Maternity unit",
        teller="patient",
        channel="care_opinion",
        title="Breastfeeding support at home",
        months_ago=5,
        polarity="praise",
        consent="all",
    ),
    DemoStory(
        ods="RWF",
        service="Emergency department",
        teller="patient",
        channel="social_media",
        title="Noisy, cold and confusing",
        months_ago=2,
        polarity="critical",
    ),
    DemoStory(
        ods="RPG",
        service="Emergency department",
        teller="patient",
        channel="survey",
        title="Good care for my child",
        months_ago=3,
        polarity="praise",
        consent="board",
    ),
]
