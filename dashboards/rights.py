"""After a person's records are erased or anonymised (insight_hub/privacy/subjects.py), the figures made from
them are rebuilt at once, slice by slice, rather than at the next pass: an erased story or response must not
go on counting, nor an anonymised one's equality answers. Board report files that quote an erased story stop
being handed out by themselves (`reports/availability.py` checks the stories when a file is asked for)."""

from __future__ import annotations

from insight_hub.privacy.subjects import Changed

from . import rollups


def rollups_after_change(changed: Changed) -> None:
    for organisation_id, day in sorted(changed.slices):
        rollups.refresh_slice(organisation_id, day)
