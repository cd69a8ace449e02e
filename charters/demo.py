"""The demo charter for Kent and Medway: version 1 adopted after co-design with partners, three commitments
linked to themes and FFT figures, one reviewed (at risk, with a "you said, we did" action). Idempotent: a
second run finds the charter and changes nothing."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from insight_hub.organisations.demo import DEMO_ICB, DEMO_PEOPLE
from insight_hub.organisations.models import Organisation, Role
from insight_hub.periods import Period

from . import services
from .models import Charter

TITLE = "Kent and Medway patient charter"

COMMITMENTS = [
    {
        "text": "We will tell you how long you are likely to wait, and keep you updated while you wait.",
        "category": "access",
        "themes": ["Timeliness of care", "Being kept informed, clarity & consistency of information"],
        "metrics": ["ics", "setting:ae"],
        "target_percent": 85,
        "change_outcome": "changed",
        "change_note": "You told us an apology is no substitute for a time. We added “keep you updated while "
        "you wait”, and we will publish waiting times in every emergency department.",
        "comments": [
            ("Healthwatch Kent", "People would rather hear an honest estimate than nothing at all."),
            ("Medway Carers Forum", "Updates matter most for carers waiting outside."),
        ],
    },
    {
        "text": "We will listen to you and involve you and the people who care for you in decisions.",
        "category": "involvement",
        "themes": ["Staff listening, understanding & involving patients", "Interaction with family/ carers"],
        "metrics": ["ics"],
        "target_percent": None,
        "change_outcome": "not_possible",
        "change_note": "You asked for a named nurse for every carer. We cannot promise this in every service "
        "yet; each trust will name a carers’ lead instead and we will review this in a year.",
        "comments": [("Medway Carers Forum", "Carers are often the last to be told about discharge.")],
    },
    {
        "text": "We will make it easy to get to our services, and tell you how before you travel.",
        "category": "access",
        "themes": ["Transport to/ from services", "Parking"],
        "metrics": ["org:RWF"],
        "target_percent": None,
        "change_outcome": "not_needed",
        "change_note": "",
        "comments": [],
    },
]

PARTICIPANTS = [
    ("Healthwatch Kent", "healthwatch", None),
    ("Healthwatch Medway", "healthwatch", None),
    ("Medway Carers Forum", "patient_group", None),
    ("Kent Association for the Blind", "voluntary_sector", None),
    ("Maidstone and Tunbridge Wells NHS Trust", "trust", "RWF"),
    ("East Kent Hospitals University NHS Foundation Trust", "trust", "RVV"),
]

EVENTS = [
    ("Workshop with patient groups, Maidstone", 75, 38),
    ("Online survey on the draft commitments", 60, 412),
    ("Listening event with carers, Chatham", 45, 24),
]


@transaction.atomic
def demo_charters_load() -> str:
    ics = Organisation.objects.get(ods_code=DEMO_ICB).ics_led
    if Charter.objects.filter(ics=ics, title=TITLE).exists():
        return "charter already there"
    User = get_user_model()
    admin = User.objects.get(username=next(p.email for p in DEMO_PEOPLE if p.role == Role.SYSTEM_ADMIN))
    lead = User.objects.get(username=next(p.email for p in DEMO_PEOPLE if p.role == Role.ICB_LEAD))
    today = timezone.localdate()
    charter = services.charter_create(
        ics=ics,
        user=admin,
        title=TITLE,
        summary="What the NHS and its partners in Kent and Medway promise you, wherever you are cared for. "
        "We wrote it with patients, carers, Healthwatch and voluntary groups, and we check every promise "
        "against what people tell us about their care.",
    )
    participants = {}
    for name, kind, ods in PARTICIPANTS:
        organisation = Organisation.objects.filter(ods_code=ods).first() if ods else None
        participants[name] = services.participant_add(
            charter=charter, name=name, kind=kind, organisation=organisation
        )
    events = [
        services.event_add(
            charter=charter, title=title, held_on=today - dt.timedelta(days=days_ago), people_reached=reached
        )
        for title, days_ago, reached in EVENTS
    ]
    themes = {t.name: t for t in services.themes_for(ics)}
    commitments = []
    for spec in COMMITMENTS:
        metrics = [m for m in spec["metrics"] if not m.startswith("org:") or _partner(ics, m[4:])]
        commitment = services.commitment_save(
            charter=charter,
            user=admin,
            text=spec["text"],
            category=spec["category"],
            owner=lead,
            themes=[themes[name] for name in spec["themes"] if name in themes],
            metrics=metrics,
            target_percent=spec["target_percent"],
            change_outcome=spec["change_outcome"],
            change_note=spec["change_note"],
        )
        for who, text in spec["comments"]:
            services.draft_comment_add(
                commitment=commitment,
                user=admin,
                text=text,
                received_on=events[0].held_on,
                participant=participants[who],
                event=events[0],
            )
        commitments.append(commitment)
    services.charter_open_consultation(charter=charter)
    charter = services.charter_adopt(charter=charter, user=admin)
    # Adopted four months ago, so the first commitment's review is due and has been done; the others are
    # overdue, as they would be on a real system with a busy lead.
    Charter.objects.filter(pk=charter.pk).update(adopted_at=timezone.now() - dt.timedelta(days=120))
    px = User.objects.filter(
        memberships__organisation__ods_code="RVV", memberships__role=Role.PX_LEAD
    ).first()
    services.review_record(
        commitment=commitments[0],
        user=lead,
        status="at_risk",
        narrative="Most people in outpatients are told their wait; in the emergency departments many "
        "are not, "
        "and the stories of long unexplained waits keep coming.",
        period=Period.complete_months(6),
        reviewed_on=today - dt.timedelta(days=20),
        actions=[
            {
                "description": "Show the expected wait on screens in every emergency department.",
                "owner": px or lead,
                "due_on": today + dt.timedelta(days=45),
                "organisation": Organisation.objects.filter(ods_code="RVV").first(),
            }
        ],
    )
    return f"charter “{TITLE}” adopted with {len(commitments)} commitments and one review"


def _partner(ics, ods_code: str) -> bool:
    return Organisation.objects.filter(ics=ics, ods_code=ods_code).exists()
