"""Access matrix: emerging themes. Only the ICS's ICB lead reads and decides on its candidates; everyone
else (trust px_leads and boards, the system administrator) and the ICB lead of another ICS get 404."""

from __future__ import annotations

from django.utils import timezone

from insight_hub.organisations.models import ICS
from insight_hub.themes.models import CandidateTheme
from tests.access.matrix import NOT_FOUND, OK, REDIRECT, Route, expect
from tests.factories import OrganisationFactory


def _candidate(ics, name: str) -> CandidateTheme:
    return CandidateTheme.objects.create(
        ics=ics,
        found_at=timezone.now(),
        name=name,
        suggested_name=name,
        phrases=["wifi"],
        patterns=[r"\bwifis?\b"],
        size=7,
        trend={"2026-05": 7},
        examples=[{"label": "feedback.comment", "id": 1, "text": "The wifi never works."}],
    )


def setup(world) -> dict:
    other_icb = OrganisationFactory(kind="icb", ods_code="QYY", name="NHS Otherton Integrated Care Board")
    other = ICS.objects.create(name="Otherton ICS", icb=other_icb)
    return {"ours": _candidate(world.ics, "Wifi"), "theirs": _candidate(other, "Wifi elsewhere")}


ROUTES = [
    Route("themes:emerging_list", expect(NOT_FOUND, icb_lead=OK)),
    Route(
        "themes:emerging_detail", expect(NOT_FOUND, icb_lead=OK), args=lambda o: [o.ours.pk], label="own ICS"
    ),
    Route("themes:emerging_detail", expect(NOT_FOUND), args=lambda o: [o.theirs.pk], label="another ICS"),
    Route(
        "themes:emerging_decide",
        expect(NOT_FOUND, icb_lead=REDIRECT),
        args=lambda o: [o.ours.pk],
        method="POST",
        data=lambda o: {"action": "rename", "name": "Wifi and internet"},
        label="own ICS",
    ),
    Route(
        "themes:emerging_decide",
        expect(NOT_FOUND),
        args=lambda o: [o.theirs.pk],
        method="POST",
        data=lambda o: {"action": "dismiss"},
        label="another ICS",
    ),
]
