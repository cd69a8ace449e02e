"""The demo charter loads once, adopted, owned, with its co-design record and a review."""

from __future__ import annotations

import pytest

from charters import selectors
from charters.demo import TITLE, demo_charters_load
from charters.models import Charter, CharterStatus
from insight_hub.organisations.demo import demo_organisations_load

pytestmark = pytest.mark.django_db


def test_demo_charter_loads_once_adopted_with_co_design_and_a_review():
    from insight_hub.themes.services import taxonomy_load_default

    taxonomy_load_default()
    ics = demo_organisations_load()
    assert "adopted with 3 commitments" in demo_charters_load()
    assert demo_charters_load() == "charter already there"
    charter = Charter.objects.get(ics=ics, title=TITLE)
    assert charter.status == CharterStatus.ADOPTED
    assert charter.participants.count() == 6 and charter.events.count() == 3
    assert all(c.owner_id and (c.themes.exists() or c.metrics.exists()) for c in charter.commitments.all())
    summary = selectors.charter_status_summary(ics)
    assert [row.status for row in summary.rows] == ["at_risk", "not_reviewed", "not_reviewed"]
    assert summary.overdue_reviews == 2
